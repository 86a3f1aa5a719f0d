"""Keep residents' conversations only as long as needed: expiry after a retention period, erasure on request.

Rasa's SQL tracker store keeps every event of every conversation in its ``events`` table (SQLite
``run/tracker.db`` or PostgreSQL, ``TRACKER_DB_URL``) and never deletes any. The council profile says how
long to keep them (``conversation_retention_days``, 90 by default). ``python -m staff_console retention`` (or
``make retention``) deletes what is older, and the console service runs the same once a day in a background
thread; a publisher erases one resident's conversation from its transcript page. Each run and each erasure
leaves an entry in the console's audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from sqlalchemy import MetaData, Table, create_engine, delete, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.orm import scoped_session
from sqlalchemy.sql import Select

from conversation_store import WINDOWS_TABLE
from staff_console.db import AuditEntry, Correction, session_scope

log = logging.getLogger(__name__)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RetentionRun:
    """What one run deleted: events older than ``cutoff`` from ``conversations`` conversations."""

    cutoff: dt.datetime
    events: int
    conversations: int


class TrackerStoreCleaner:
    """Deletes from Rasa's ``events`` table; the console's reader stays read-only, this is the one writer."""

    def __init__(self, url: str) -> None:
        # SQLite waits for Rasa's own writes instead of failing with "database is locked".
        kwargs = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, future=True, **kwargs)

    def _table(self, name: str) -> Table | None:
        try:
            return Table(name, MetaData(), autoload_with=self.engine)
        except NoSuchTableError:
            return None  # Rasa has stored no conversation yet, or runs without the windowed store

    def _forget_windows(self, connection: Connection, sender_ids: Select | list[str]) -> None:
        """Delete the windowed store's saved state of these conversations (conversation_store/windowed.py).

        A window's prefix holds the slots at its anchor (postcodes, emails), so it goes with the events; Rasa
        rebuilds a window from the events that remain.
        """
        windows = self._table(WINDOWS_TABLE)
        if windows is not None:
            connection.execute(delete(windows).where(windows.c.sender_id.in_(sender_ids)))

    def delete_before(self, cutoff: dt.datetime) -> RetentionRun:
        """Delete every event stamped before ``cutoff`` (UTC, naive or aware); returns what went."""
        events = self._table("events")
        if events is None:
            return RetentionRun(cutoff, 0, 0)
        stamp = cutoff.replace(tzinfo=cutoff.tzinfo or dt.timezone.utc).timestamp()
        old = events.c.timestamp < stamp
        with self.engine.begin() as connection:
            touched_ids = [row[0] for row in connection.execute(select(events.c.sender_id).where(old).distinct())]
            self._forget_windows(connection, touched_ids)
            deleted = connection.execute(delete(events).where(old)).rowcount
        return RetentionRun(cutoff, int(deleted or 0), len(touched_ids))

    def erase(self, sender_id: str) -> int:
        """Delete every event of one conversation, and its window; returns how many events there were."""
        events = self._table("events")
        if events is None:
            return 0
        with self.engine.begin() as connection:
            self._forget_windows(connection, [sender_id])
            return int(connection.execute(delete(events).where(events.c.sender_id == sender_id)).rowcount or 0)


def expire(cleaner: TrackerStoreCleaner, sessions: scoped_session, days: int, now: dt.datetime) -> RetentionRun:
    """Delete conversations' events older than ``days`` before ``now`` and record the run in the audit log.

    Raises:
        ValueError: ``days`` is below 1 (a slip that would delete today's conversations).

    """
    if days < 1:
        raise ValueError(f"the retention period must be at least one day, not {days}")
    run = cleaner.delete_before(now - days * DAY)
    with session_scope(sessions) as db:
        db.add(AuditEntry(username="(retention)", action="retention",
                          detail=f"deleted {run.events} events of {run.conversations} conversations older than "
                                 f"{days} days (before {run.cutoff:%Y-%m-%d %H:%M} UTC)"))
    return run


def erase_conversation(cleaner: TrackerStoreCleaner, sessions: scoped_session, sender_id: str,
                       username: str) -> int:
    """Erase one resident's conversation on request: its events, and the link from corrections made from it.

    Corrections keep their (redacted) words, which may already be in ``nlu_data/``, but no longer name the
    conversation. The audit entry says who erased which conversation and how much.
    """
    erased = cleaner.erase(sender_id)
    with session_scope(sessions) as db:
        unlinked = db.execute(update(Correction).where(Correction.sender_id == sender_id)
                              .values(sender_id=None)).rowcount
        db.add(AuditEntry(username=username, action="erase",
                          detail=f"conversation {sender_id}: {erased} events erased on request, "
                                 f"{unlinked or 0} corrections unlinked"))
    return erased


class DailyRetention(threading.Thread):
    """Runs ``expire`` now and then every ``interval`` until stopped: the console service's own schedule."""

    def __init__(self, cleaner: TrackerStoreCleaner, sessions: scoped_session, days: int,
                 interval: dt.timedelta = DAY) -> None:
        super().__init__(name="retention", daemon=True)
        self.cleaner, self.sessions, self.days, self.interval = cleaner, sessions, days, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        """Expire, wait, repeat; a failed run is logged and tried again at the next interval."""
        while not self.stopped.is_set():
            try:
                done = expire(self.cleaner, self.sessions, self.days, dt.datetime.now(dt.timezone.utc))
                log.info("retention: deleted %d events of %d conversations", done.events, done.conversations)
            except Exception:  # noqa: BLE001 - the console keeps serving; the next run tries again
                log.exception("retention run failed")
            self.stopped.wait(self.interval.total_seconds())

    def stop(self) -> None:
        """Stop after the current run."""
        self.stopped.set()
