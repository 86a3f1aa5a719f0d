"""The limits every way into the assistant from a web page shares: message length, rate, allowed host origins."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

MAX_MESSAGE_LENGTH = 2000
# A resident types a message every few seconds at most; a script sends hundreds.
MESSAGES_PER_MINUTE = 20
# Extra pages that may embed the widget for this run only (the demonstration page, tests), comma separated.
EXTRA_ORIGINS_VARIABLE = "WIDGET_EXTRA_ORIGINS"


def normalise_origin(value: str) -> str:
    """`scheme://host[:port]` in lower case, as browsers send it in the Origin header; ValueError otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"an allowed origin is scheme://host[:port], got {value!r}")
    host = parts.hostname.lower()
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{host}{port}"


def extra_origins(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The origins `WIDGET_EXTRA_ORIGINS` adds for this run (comma separated)."""
    env = os.environ if environ is None else environ
    return tuple(o.strip() for o in env.get(EXTRA_ORIGINS_VARIABLE, "").split(",") if o.strip())


def allowed_origins(profile_origins: Iterable[str], extra: Iterable[str] | None = None) -> frozenset[str]:
    """The council profile's widget origins plus the run's extra ones; empty means no site may embed it."""
    extra = extra_origins() if extra is None else extra
    return frozenset(normalise_origin(origin) for origin in [*profile_origins, *extra])


class RateLimiter:
    """At most `limit` events per key in any `window` seconds (a sliding window, kept in memory).

    One process's memory is enough here: each chat server and each Rasa process guards its own door, and a
    resident who is refused simply waits a moment.
    """

    def __init__(self, limit: int = MESSAGES_PER_MINUTE, window: float = 60.0, max_keys: int = 100_000) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record one event for `key` and say whether it is within the limit (refused events are not counted)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._forget_idle(now)
                events = self._events[key] = deque()
            while events and now - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or now - v[-1] >= self.window]:
            del self._events[key]
