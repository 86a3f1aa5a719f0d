"""Places residents visit (libraries, recycling centres), shared by the connectors that list them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors.parsing import parse_date

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Closure:
    """A day a site is shut (bank holiday, training day)."""

    date: date
    reason: str


@dataclass(frozen=True)
class Site:
    """A library or recycling centre with weekly hours ("09:00-17:00", or None when closed)."""

    id: str
    name: str
    address: str
    opening_hours: dict[str, str | None]
    closures: list[Closure]
    url: str
    accepts: list[str] = field(default_factory=list)

    def closure_on(self, day: date) -> Closure | None:
        """The closure that shuts the site on a date, if any."""
        return next((closure for closure in self.closures if closure.date == day), None)

    def hours_on(self, day: date) -> str | None:
        """Opening hours on a date, taking closures into account; None when it is shut all day."""
        if self.closure_on(day) is not None:
            return None
        return self.opening_hours.get(WEEKDAYS[day.weekday()])


def site_from_json(data: dict[str, Any]) -> Site:
    """Build a `Site` from the backend's JSON."""
    hours = data["opening_hours"]
    return Site(
        id=str(data["id"]),
        name=str(data["name"]),
        address=str(data["address"]),
        opening_hours={day: hours.get(day) for day in WEEKDAYS},
        closures=[Closure(date=parse_date(c["date"]), reason=str(c["reason"])) for c in data.get("closures", [])],
        url=str(data.get("url") or ""),
        accepts=[str(item) for item in data.get("accepts", [])],
    )
