"""The windowed tracker store while its database restarts: retried for a bounded time, every turn stored once.

The database is SQLite here, made to fail as PostgreSQL does while it restarts (``OperationalError``: refused or
dropped connections), a given number of times; Rasa's ``FailSafeTrackerStore`` wraps the store as Rasa's agent
does, so a failure the store gives up on shows as Rasa shows it (an empty conversation, a turn kept in memory).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from conversation_store.windowed import WindowedSQLTrackerStore
from tests.conversation_store.scripted import DOMAIN, play, run, session_start, turns

GONE = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


class Outage:
    """Makes the next ``failures`` uses of a store's database raise, as a restarting server does."""

    def __init__(self, store: WindowedSQLTrackerStore, failures: int = 0, error: Exception = GONE) -> None:
        self.store, self.failures, self.error, self.attempts = store, failures, error, 0
        real = store.session_scope

        @contextlib.contextmanager
        def session_scope() -> Iterator[sa.orm.Session]:
            self.attempts += 1
            if self.failures:
                self.failures -= 1
                raise self.error
            with real() as session:
                yield session

        store.session_scope = session_scope


@pytest.fixture
def store(tmp_path: Path) -> WindowedSQLTrackerStore:
    """The windowed store on SQLite, with a short bound so the tests that spend it stay quick."""
    return WindowedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"), retry_seconds=1.0)


def _user_texts(tracker: DialogueStateTracker) -> list[str]:
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def test_a_turn_while_the_database_restarts_gets_the_stored_conversation(store: WindowedSQLTrackerStore) -> None:
    play(store, "resident", turns(12))
    expected = run(store.retrieve("resident"))
    outage = Outage(store, failures=3)
    tracker = run(FailSafeTrackerStore(store).retrieve("resident"))  # as Rasa's agent reads it
    assert tracker is not None, "Rasa would answer from an empty conversation"
    assert tracker.current_state() == expected.current_state() and tracker.active_loop_name == "bin_day_form"
    assert outage.attempts == 4


def test_a_turn_saved_while_the_database_restarts_is_stored_once(store: WindowedSQLTrackerStore) -> None:
    play(store, "resident", turns(6))
    tracker = run(store.retrieve("resident"))
    tracker.update(UserUttered("is the tip open on sunday", {"name": "recycling_centre_hours"}), DOMAIN)
    outage = Outage(store, failures=2)
    run(FailSafeTrackerStore(store).save(tracker))  # Rasa's agent would keep a failed save in memory only
    assert outage.attempts == 3
    stored = _user_texts(run(store.retrieve_full_tracker("resident")))
    assert stored.count("is the tip open on sunday") == 1 and stored[-1] == "is the tip open on sunday"


@pytest.mark.parametrize("handed_out", [True, False], ids=["retrieved", "new conversation"])
def test_a_commit_whose_answer_was_lost_is_not_stored_twice(store: WindowedSQLTrackerStore, handed_out: bool) -> None:
    if handed_out:
        play(store, "resident", turns(6))
        tracker = run(store.retrieve("resident"))
    else:  # a tracker Rasa made (a new conversation): Rasa's own count of stored events applies
        tracker = DialogueStateTracker("resident", DOMAIN.slots)
        for event in session_start():
            tracker.update(event, DOMAIN)
    tracker.update(UserUttered("my bin was not collected", {"name": "missed_bin"}), DOMAIN)
    real_commit, lost = sa.orm.Session.commit, []

    def commit_then_lose_the_answer(session: sa.orm.Session) -> None:
        real_commit(session)
        if not lost:  # the server committed; the connection went before its answer came back
            lost.append(True)
            raise GONE

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sa.orm.Session, "commit", commit_then_lose_the_answer)
        run(store.save(tracker))
    stored = _user_texts(run(store.retrieve_full_tracker("resident")))
    assert lost and stored.count("my bin was not collected") == 1
    with store.session_scope() as session:  # every event once: as many rows as the tracker holds since its start
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == "resident").count()
    assert rows == len(run(store.retrieve_full_tracker("resident")).events)


def test_past_the_bound_the_store_gives_up_then_fails_at_once_until_it_answers(
    store: WindowedSQLTrackerStore,
) -> None:
    play(store, "resident", turns(3))
    outage = Outage(store, failures=10_000)
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError):
        run(store.retrieve("resident"))
    assert 1.0 <= time.monotonic() - started < 2.0  # retry_seconds, then Rasa's own fallback takes over
    tried = outage.attempts
    assert tried > 3
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError):  # the same outage: the next call of the turn does not wait again
        run(store.retrieve("resident"))
    assert outage.attempts == tried + 1 and time.monotonic() - started < 0.5
    outage.failures = 0  # the database is back
    assert run(store.retrieve("resident")) is not None


def test_a_wrong_query_is_not_tried_again(store: WindowedSQLTrackerStore) -> None:
    play(store, "resident", turns(3))
    outage = Outage(store, failures=5, error=sa.exc.ProgrammingError("SELECT nonsense", {}, Exception("syntax")))
    with pytest.raises(sa.exc.ProgrammingError):
        run(store.retrieve("resident"))
    assert outage.attempts == 1


def test_connections_are_checked_before_use_and_refused_connections_count_as_an_outage(
    store: WindowedSQLTrackerStore,
) -> None:
    from conversation_store.outage import caused_by
    from conversation_store.windowed import is_outage

    assert store.engine.pool._pre_ping  # SQLAlchemy replaces a connection the restart killed before using it
    refused = sa.exc.OperationalError("connect", {}, ConnectionRefusedError("connection refused"))
    assert is_outage(refused) and is_outage(GONE)
    assert not is_outage(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")))
    wrapped = RuntimeError("wrapped")
    wrapped.__context__ = refused
    assert caused_by(wrapped, (sa.exc.OperationalError,))
