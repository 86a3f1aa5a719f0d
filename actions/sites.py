"""Opening hours of council sites (libraries, recycling centres), told the way a resident reads them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def clock(hhmm: str) -> str:
    """"09:00" -> "9am", "17:30" -> "5:30pm"."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}{suffix}" if minute == 0 else f"{hour12}:{minute:02d}{suffix}"


def span(hours: str | None) -> str:
    """"09:00-17:00" -> "9am to 5pm"; None -> "closed"."""
    if not hours:
        return "closed"
    opens, closes = hours.split("-")
    return f"{clock(opens)} to {clock(closes)}"


def week_summary(opening_hours: dict[str, str | None]) -> str:
    """Group days with the same hours: "Monday to Friday 9am to 5pm; Saturday 9am to 1pm; Sunday closed"."""
    groups: list[tuple[list[str], str]] = []
    for day in DAYS:
        hours = span(opening_hours.get(day))
        if groups and groups[-1][1] == hours:
            groups[-1][0].append(day)
        else:
            groups.append(([day], hours))
    parts = []
    for days, hours in groups:
        named = days[0].title() if len(days) == 1 else f"{days[0].title()} to {days[-1].title()}"
        parts.append(f"{named} {hours}")
    return "; ".join(parts)


def hours_on(site: Any, day: date) -> str:
    """Hours on a given day, holiday closures included."""
    for closure in site.closures or []:
        if _closure_date(closure) == day:
            return f"closed ({_closure_reason(closure)})"
    return span(site.opening_hours.get(DAYS[day.weekday()]))


def upcoming_closures(site: Any, today: date, days: int = 21) -> list[str]:
    """Closures in the next few weeks, as "Friday 25 December (Christmas Day)"."""
    soon = []
    for closure in site.closures or []:
        when = _closure_date(closure)
        if when and today <= when <= today + timedelta(days=days):
            soon.append(f"{when:%A} {when.day} {when:%B} ({_closure_reason(closure)})")
    return soon


def _closure_date(closure: Any) -> date | None:
    value = closure.get("date") if isinstance(closure, dict) else getattr(closure, "date", None)
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _closure_reason(closure: Any) -> str:
    reason = closure.get("reason") if isinstance(closure, dict) else getattr(closure, "reason", "")
    return reason or "closed"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower())) - {"library", "recycling", "centre", "center", "the"}


def pick_sites(sites: list[Any], place: str | None) -> tuple[list[Any], bool]:
    """The sites a resident asked about: (sites, matched). All of them when none was named or matched."""
    if not place:
        return sites, True
    wanted = _words(place)
    if not wanted:  # "the library", "the tip": every site of that kind
        return sites, True
    chosen = [site for site in sites if wanted & _words(site.name)]
    return (chosen, True) if chosen else (sites, False)


def tell_site_hours(dispatcher: CollectingDispatcher, sites: list[Any], place: str | None, today: date) -> None:
    """Utter each asked-for site's hours today, its week, and closures coming up."""
    chosen, matched = pick_sites(sites, place)
    if not matched:
        dispatcher.utter_message(response="utter_site_unknown_place", place=place)
    for site in chosen:
        closures = upcoming_closures(site, today)
        dispatcher.utter_message(
            response="utter_site_hours",
            name=site.name,
            address=site.address,
            hours_today=hours_on(site, today),
            hours=week_summary(site.opening_hours),
            closures=f" Closed soon: {', '.join(closures)}." if closures else "",
            url=site.url or "",
        )
