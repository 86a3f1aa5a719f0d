"""Riding out a restart of a shared store (PostgreSQL, Redis): a call retried for a bounded time, not forever.

When PostgreSQL or Redis restarts (an upgrade, a failover, a crash), it refuses connections for a moment and
every connection pooled before it is dead. Rasa 3.6 does not wait: its ``FailSafeTrackerStore`` answers a
failed retrieve with a new, empty conversation and keeps a failed save in the worker's memory only (the turn is
answered out of context and never stored), and its lock store turns a refused connection into a ``LockError``
(the resident gets the apology and the turn is lost). So each store waits here, pausing 0.05 s, 0.1 s, 0.2 s
... (at most 0.5 s) between attempts, without holding up the worker's other residents.

The bound is per outage, not per call: the first failure starts the clock and every call made during that
outage shares it. One turn makes several calls (Rasa's ``FailSafeTrackerStore`` follows a failed retrieve
with a save of a new tracker, and the turn's own save), so a bound per call would add up; shared, a turn
waits at most ``seconds`` before Rasa's own fallback takes over, and once the bound is spent each call fails
at its first attempt until one succeeds. A failure more than ``seconds`` after the previous one starts a new
outage (a worker that had no turns since the last one). ``seconds`` (``retry_seconds`` in the endpoints) keeps
a resident's turn within the 5 seconds that residents are promised (issue 12), with the turn's own work besides.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
# How long a store may be down before a turn stops waiting for it. A fast restart of PostgreSQL took 0.2 s on
# this 2-core machine when quiet and up to 1.6 s while a model trained beside it; Redis's, less.
DEFAULT_RETRY_SECONDS = 3.0
# A connection attempt to a server that is gone (no refusal, no answer) gives up after this long, so one
# attempt cannot outlast the bound (libpq's connect_timeout counts whole seconds, and at least 2).
CONNECT_SECONDS = 2
FIRST_PAUSE_SECONDS = 0.05
LONGEST_PAUSE_SECONDS = 0.5


class OutageRetry:
    """Retries a store's calls that fail because the store is unreachable, for ``seconds`` per outage."""

    def __init__(self, store: str, seconds: float, is_outage: Callable[[BaseException], bool]) -> None:
        """``store`` names the store in the log; ``is_outage`` tells a connection failure from any other error."""
        if seconds < 0:
            raise ValueError(f"{store}: retry_seconds must be >= 0, got {seconds}")
        self.store, self.seconds, self.is_outage = store, float(seconds), is_outage
        self._failing_since: float | None = None  # when the current outage began; None while the store answers
        self._last_failure = 0.0

    async def call(self, operation: Callable[..., T | Awaitable[T]], *args: Any) -> T:
        """``operation(*args)`` (awaited when it is a coroutine), retried while the store is unreachable.

        Raises:
            Exception: the operation's own error when it is not an outage, or the last one once the bound is spent.

        """
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                result = operation(*args)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as error:
                if not self.is_outage(error):
                    raise
                now = time.monotonic()
                if self._failing_since is None or now - self._last_failure > self.seconds:
                    self._failing_since = now
                    logger.warning("%s does not answer; waiting up to %.1f s for it: %s", self.store, self.seconds,
                                   _one_line(error))
                self._last_failure = now
                left = self._failing_since + self.seconds - now
                if left <= 0:
                    logger.error("%s still does not answer after %.1f s; giving up on this call: %s", self.store,
                                 now - self._failing_since, _one_line(error))
                    raise
                await asyncio.sleep(min(pause, left))
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
                continue
            if self._failing_since is not None:
                logger.warning("%s answers again after %.1f s", self.store, time.monotonic() - self._failing_since)
                self._failing_since = None
            return result


def caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether ``error`` or an error it was raised from or during is one of ``kinds``.

    Rasa wraps some store errors in its own (``LockError`` keeps the Redis error only as its context).
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _one_line(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())[:300]
