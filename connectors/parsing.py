"""Reading dates and times from council systems, which do not all write them alike."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any


def parse_date(value: Any) -> date | None:
    """Read `YYYY-MM-DD` (or the date part of a date-time); None stays None."""
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])


def parse_datetime(value: Any) -> datetime | None:
    """Read a W3C/ISO 8601 date-time as Open311 servers write it (`Z`, offsets, fractions of a second).

    Python 3.10's `fromisoformat` accepts neither `Z` nor every fraction length, so both are normalised.
    """
    if value in (None, ""):
        return None
    text = str(value).strip().replace(" ", "T", 1)
    text = re.sub(r"[zZ]$", "+00:00", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)  # +0100 -> +01:00
    match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})\.(\d+)(.*)$", text)
    if match:
        text = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    return datetime.fromisoformat(text)


def optional_str(value: Any) -> str | None:
    """Keep None as None and empty strings as None; anything else as a string."""
    if value is None or value == "":
        return None
    return str(value)


def optional_float(value: Any) -> float | None:
    """Coordinates arrive as numbers or strings depending on the server."""
    if value is None or value == "":
        return None
    return float(value)
