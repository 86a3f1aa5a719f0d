"""The backend's clock: real London time, or a fixed instant so tests are deterministic."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app

LONDON = ZoneInfo("Europe/London")


def parse_instant(value: str | datetime) -> datetime:
    """Read an ISO 8601 instant; a time without an offset is London local time.

    Raises:
        ValueError: the value is not an ISO 8601 date-time.

    """
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    return moment.astimezone(LONDON)


def now() -> datetime:
    """Return "now" in London time, fixed by the app's `NOW` setting when there is one."""
    fixed = current_app.config.get("NOW")
    if fixed:
        return parse_instant(fixed)
    return datetime.now(LONDON)


def today() -> date:
    """Return today's date in London, following the same clock as `now()`."""
    return now().date()


def to_db(moment: datetime) -> datetime:
    """Store instants as naive UTC so SQLite and PostgreSQL hold the same values."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_db(stored: datetime | None) -> datetime | None:
    """Turn a stored naive UTC instant back into London time."""
    if stored is None:
        return None
    return stored.replace(tzinfo=timezone.utc).astimezone(LONDON)


def w3c(stored: datetime | None) -> str | None:
    """Format a stored instant as the W3C date-time Open311 uses (`2026-12-02T10:00:00+00:00`)."""
    moment = from_db(stored)
    return moment.isoformat(timespec="seconds") if moment else None
