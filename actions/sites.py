"""Opening hours of council sites (libraries, recycling centres), told the way a resident reads them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from rasa_sdk.executor import CollectingDispatcher

from connectors.sites import WEEKDAYS, Site


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
    for day in WEEKDAYS:
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


def hours_on(site: Site, day: date) -> str:
    """Hours on a given day, holiday closures included."""
    closure = site.closure_on(day)
    if closure is not None:
        return f"closed ({closure.reason or 'closed'})"
    return span(site.hours_on(day))


def upcoming_closures(site: Site, today: date, days: int = 21) -> list[str]:
    """Closures in the next few weeks, as "Friday 25 December (Christmas Day)"."""
    return [
        f"{c.date:%A} {c.date.day} {c.date:%B} ({c.reason or 'closed'})"
        for c in site.closures
        if today <= c.date <= today + timedelta(days=days)
    ]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower())) - {"library", "recycling", "centre", "center", "the"}


def pick_sites(sites: list[Site], place: str | None) -> tuple[list[Site], bool]:
    """The sites a resident asked about: (sites, matched). All of them when none was named or matched."""
    if not place:
        return sites, True
    wanted = _words(place)
    if not wanted:  # "the library", "the tip": every site of that kind
        return sites, True
    chosen = [site for site in sites if wanted & _words(site.name)]
    return (chosen, True) if chosen else (sites, False)


_DAY_WORDS = {"today": 0, "tonight": 0, "now": 0, "tomorrow": 1, "tmrw": 1, "tomoz": 1}
_WEEKDAY_RE = re.compile(r"\b(mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?\b")
_WEEKDAY_PREFIXES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def asked_day(text: str, today: date) -> date | None:
    """The day a resident asked about ("is the tip open on sunday", "tomorrow"), or None when none was named.

    A weekday means its next occurrence, today included.
    """
    words = text.lower()
    for word, offset in _DAY_WORDS.items():
        if re.search(rf"\b{word}\b", words):
            return today + timedelta(days=offset)
    found = _WEEKDAY_RE.search(words)
    if not found:
        return None
    weekday = next(i for i, prefix in enumerate(_WEEKDAY_PREFIXES) if found.group(1).startswith(prefix))
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _day_name(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return f"tomorrow, {day:%A}"
    return f"{day:%A} {day.day} {day:%B}"


def tell_site_hours(
    dispatcher: CollectingDispatcher, sites: list[Site], place: str | None, today: date, asked: str = ""
) -> None:
    """Utter each asked-for site's hours on the day asked about (today when none was), its week, and closures."""
    chosen, matched = pick_sites(sites, place)
    if not matched:
        dispatcher.utter_message(response="utter_site_unknown_place", place=place)
    day = asked_day(asked, today)
    for site in chosen:
        closures = upcoming_closures(site, today)
        details = {
            "name": site.name,
            "address": site.address,
            "hours": week_summary(site.opening_hours),
            "closures": f" Closed soon: {', '.join(closures)}." if closures else "",
            "url": site.url or "",
        }
        if day is None or day == today:
            dispatcher.utter_message(response="utter_site_hours", hours_today=hours_on(site, today), **details)
        else:
            dispatcher.utter_message(
                response="utter_site_hours_on_day", day=_day_name(day, today), hours_day=hours_on(site, day),
                **details,
            )
