"""The action server's clock: London's date, or a fixed instant so conversation tests do not depend on the day.

Words like "today" and "tomorrow" are relative to this clock; the council backend has its own
(``COUNCIL_BACKEND_NOW``), and a test that fixes one fixes both, or a reply says "tomorrow" on one day
of the year and a date on every other.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
NOW_VARIABLE = "ACTIONS_NOW"


def now() -> datetime:
    """London time, fixed by ``ACTIONS_NOW`` (ISO 8601, local London time without an offset) in tests."""
    fixed = os.environ.get(NOW_VARIABLE, "").strip()
    if not fixed:
        return datetime.now(LONDON)
    moment = datetime.fromisoformat(fixed[:-1] + "+00:00" if fixed.endswith(("Z", "z")) else fixed)
    return moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment.astimezone(LONDON)


def today() -> date:
    """Today's date in London, on the same clock as ``now()``."""
    return now().date()
