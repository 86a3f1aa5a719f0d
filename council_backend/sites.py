"""Opening hours and closures shared by libraries and recycling centres."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from council_backend.models import Site

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOURS_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
CLOSURE_HORIZON_DAYS = 365


def check_opening_hours(hours: dict[str, Any], where: str) -> dict[str, str | None]:
    """Refuse seed data whose hours are not `HH:MM-HH:MM` or null for each of the seven days."""
    if set(hours) != set(WEEKDAYS):
        raise ValueError(f"{where}: opening_hours must name all seven days")
    for day, value in hours.items():
        if value is not None and not HOURS_PATTERN.match(str(value)):
            raise ValueError(f"{where}: opening hours for {day} must be HH:MM-HH:MM or null")
    return {day: hours[day] for day in WEEKDAYS}


def upcoming_closures(rules: list[dict[str, Any]], today: date) -> list[dict[str, str]]:
    """Expand closure rules into the dated closures of the next 12 months, soonest first.

    Yearly rules (`every_year: "12-25"`) keep the data true year after year without edits.
    """
    horizon = today + timedelta(days=CLOSURE_HORIZON_DAYS)
    closures: list[tuple[date, str]] = []
    for rule in rules:
        if "every_year" in rule:
            month, day = (int(part) for part in str(rule["every_year"]).split("-"))
            for year in (today.year, today.year + 1):
                try:
                    when = date(year, month, day)
                except ValueError:  # 29 February in a common year
                    continue
                if today <= when <= horizon:
                    closures.append((when, rule["reason"]))
        else:
            when = date.fromisoformat(str(rule["date"]))
            if today <= when <= horizon:
                closures.append((when, rule["reason"]))
    seen: set[date] = set()
    result = []
    for when, reason in sorted(closures):
        if when not in seen:
            seen.add(when)
            result.append({"date": when.isoformat(), "reason": reason})
    return result


def site_json(site: Site, today: date, with_accepts: bool) -> dict[str, Any]:
    """Render a site as the API describes it."""
    body: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "address": site.address,
        "opening_hours": {day: site.opening_hours.get(day) for day in WEEKDAYS},
        "closures": upcoming_closures(site.closure_rules, today),
    }
    if with_accepts:
        body["accepts"] = list(site.accepts)
    body["url"] = site.url
    return body
