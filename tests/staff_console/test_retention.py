"""Conversations are kept only for the council's retention period, and a publisher can erase one on request.

The tracker stores are written by Rasa's own SQLTrackerStore (SQLite in a temporary folder, and the machine's
PostgreSQL), with event times fixed relative to a clock the test passes in, never today's date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import create_engine, select, text

from conversation_store import WINDOWS_TABLE
from councils.profile import load_profile
from local_stack.services import ROOT
from staff_console.__main__ import main as console_command
from staff_console.config import ConsoleConfig
from staff_console.db import AuditEntry, Correction, make_engine, make_sessions
from staff_console.retention import DailyRetention, TrackerStoreCleaner, erase_conversation, expire
from tests.staff_console.conftest import login, make_console

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
DOMAIN = Domain.load(str(ROOT / "bot" / "domain"))


def _conversation(sender: str, at: dt.datetime, words: str = "when is my bin day") -> DialogueStateTracker:
    ts = at.timestamp()
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_session_start", timestamp=ts), SessionStarted(timestamp=ts),
        ActionExecuted("action_listen", timestamp=ts),
        UserUttered(words, {"name": "bin_collection_day", "confidence": 0.97}, timestamp=ts + 1),
        BotUttered("What is your postcode?", timestamp=ts + 2), ActionExecuted("action_listen", timestamp=ts + 2),
    ])


def _save(config: EndpointConfig, trackers: list[DialogueStateTracker]) -> TrackerStore:
    store = TrackerStore.create(config, DOMAIN)

    async def save() -> None:
        for tracker in trackers:
            await store.save(tracker)

    asyncio.run(save())
    return store


def _senders(url: str) -> dict[str, int]:
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all()
    engine.dispose()
    return {sender: int(n) for sender, n in rows}


@pytest.fixture
def sqlite_store(tmp_path: Path) -> str:
    """A SQLite tracker store Rasa wrote: one conversation 120 days old, one 89 days old, one an hour old."""
    path = tmp_path / "tracker.db"
    _save(EndpointConfig(type="SQL", dialect="sqlite", db=str(path)), [
        _conversation("old", NOW - dt.timedelta(days=120)),
        _conversation("just-inside", NOW - dt.timedelta(days=89)),
        _conversation("recent", NOW - dt.timedelta(hours=1)),
    ])
    return f"sqlite:///{path}"


def test_events_older_than_the_retention_period_are_deleted_and_recent_ones_kept(sqlite_store, tmp_path):
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    run = expire(TrackerStoreCleaner(sqlite_store), sessions, 90, NOW)
    assert (run.events, run.conversations) == (6, 1)
    assert _senders(sqlite_store) == {"just-inside": 6, "recent": 6}
    log = sessions().execute(select(AuditEntry)).scalars().all()
    assert [(e.action, e.username) for e in log] == [("retention", "(retention)")]
    assert "deleted 6 events of 1 conversations older than 90 days" in log[0].detail
    # a shorter period, later: the next run takes the 89-day-old conversation too
    assert expire(TrackerStoreCleaner(sqlite_store), sessions, 30, NOW).conversations == 1
    assert _senders(sqlite_store) == {"recent": 6}


def test_rasa_still_reads_the_conversations_that_remain(sqlite_store, tmp_path):
    expire(TrackerStoreCleaner(sqlite_store), make_sessions(make_engine(f"sqlite:///{tmp_path / 'c.db'}")), 90, NOW)
    store = TrackerStore.create(EndpointConfig(type="SQL", dialect="sqlite", db=sqlite_store[len("sqlite:///"):]),
                                DOMAIN)
    recent = asyncio.run(store.retrieve("recent"))
    assert recent.latest_message.text == "when is my bin day"
    old = asyncio.run(store.retrieve("old"))
    assert old is None or not [e for e in old.events if isinstance(e, UserUttered)]


def test_a_retention_period_below_one_day_is_refused(sqlite_store, tmp_path):
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    with pytest.raises(ValueError):
        expire(TrackerStoreCleaner(sqlite_store), sessions, 0, NOW)
    assert len(_senders(sqlite_store)) == 3


def test_a_store_without_conversations_yet_is_left_alone(tmp_path):
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    assert expire(TrackerStoreCleaner(f"sqlite:///{tmp_path / 'empty.db'}"), sessions, 90, NOW).events == 0


def test_the_command_uses_the_council_profiles_period(tmp_path, monkeypatch):
    # Event times far in the past and far in the future: the outcome does not depend on today's date.
    path = tmp_path / "tracker.db"
    _save(EndpointConfig(type="SQL", dialect="sqlite", db=str(path)), [
        _conversation("ancient", dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)),
        _conversation("future", dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)),
    ])
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CONSOLE_DB_URL", f"sqlite:///{tmp_path / 'console.db'}")
    assert console_command(["retention"]) == 0
    assert _senders(f"sqlite:///{path}") == {"future": 6}


def test_every_council_profile_sets_a_retention_period_of_90_days_by_default(tmp_path):
    assert load_profile("fernbridge").conversation_retention_days == 90
    assert load_profile("wrenfield").conversation_retention_days == 90
    bare = tmp_path / "bare.yml"
    bare.write_text("name: X\nwebsite: https://x.example\nphone: '1'\nout_of_hours_phone: '2'\n")
    assert load_profile(str(bare)).conversation_retention_days == 90
    shorter = tmp_path / "shorter.yml"
    shorter.write_text(bare.read_text() + "conversation_retention_days: 30\n")
    assert load_profile(str(shorter)).conversation_retention_days == 30
    assert ConsoleConfig(retention_days=7).conversation_retention_days() == 7


def test_the_console_service_runs_the_retention_on_its_own_schedule(tmp_path):
    path = tmp_path / "tracker.db"
    _save(EndpointConfig(type="SQL", dialect="sqlite", db=str(path)), [
        _conversation("ancient", dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)),
        _conversation("future", dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)),
    ])
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    schedule = DailyRetention(TrackerStoreCleaner(f"sqlite:///{path}"), sessions, 90)
    schedule.start()
    try:
        for _ in range(200):  # the first run happens at start; wait for its audit entry
            with sessions() as db:
                if db.execute(select(AuditEntry).where(AuditEntry.action == "retention")).first():
                    break
            schedule.stopped.wait(0.05)
    finally:
        schedule.stop()
        schedule.join(10)
    assert not schedule.is_alive()
    assert _senders(f"sqlite:///{path}") == {"future": 6}


def test_a_publisher_erases_one_conversation_on_request_with_an_audit_entry(sqlite_store, tmp_path, data_copy):
    app, _ = make_console(tmp_path, sqlite_store, data_copy)
    sessions = app.extensions["staff_console"]["sessions"]
    with sessions() as db:
        db.add(Correction(event_id=1, sender_id="recent", text="when is my bin day", action="confirm",
                          intent="bin_collection_day"))
        db.commit()
    client = app.test_client()
    token = login(client, "publisher")
    page = client.get("/conversations/recent").get_data(as_text=True)
    assert "Erase this conversation" in page
    refused = client.post("/conversations/recent/erase", data={"csrf_token": token, "confirm": "old"})
    assert refused.status_code == 400 and "recent" in _senders(sqlite_store)
    answer = client.post("/conversations/recent/erase", data={"csrf_token": token, "confirm": "recent"})
    assert answer.status_code == 302
    assert _senders(sqlite_store) == {"old": 6, "just-inside": 6}
    assert client.get("/conversations/recent").status_code == 404
    log = client.get("/audit").get_data(as_text=True)
    assert "erase" in log and "conversation recent: 6 events erased on request" in log
    with sessions() as db:
        assert db.execute(select(Correction.sender_id)).scalars().all() == [None]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_a_publisher_can_erase(sqlite_store, tmp_path, data_copy, role):
    app, _ = make_console(tmp_path, sqlite_store, data_copy)
    client = app.test_client()
    token = login(client, role)
    assert "Erase this conversation" not in client.get("/conversations/recent").get_data(as_text=True)
    answer = client.post("/conversations/recent/erase", data={"csrf_token": token, "confirm": "recent"})
    assert answer.status_code == 403
    assert "recent" in _senders(sqlite_store)


def test_erasing_an_unknown_conversation_is_a_404_and_changes_nothing(sqlite_store, tmp_path):
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    assert erase_conversation(TrackerStoreCleaner(sqlite_store), sessions, "nobody", "publisher") == 0
    assert len(_senders(sqlite_store)) == 3


@pytest.mark.scale_out
def test_retention_and_erasure_on_rasas_postgresql_store(tmp_path):
    url = "postgresql://postgres@127.0.0.1:5432/test"
    tag = uuid.uuid4().hex[:10]
    _save(EndpointConfig(type="SQL", dialect="postgresql", url="127.0.0.1", port=5432, db="test",
                         username="postgres", password=""), [
        _conversation(f"old-{tag}", dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)),
        _conversation(f"erase-{tag}", dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)),
        _conversation(f"keep-{tag}", dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)),
    ])
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    cleaner = TrackerStoreCleaner(url)
    expire(cleaner, sessions, 90, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    assert erase_conversation(cleaner, sessions, f"erase-{tag}", "publisher") == 6
    mine = {s: n for s, n in _senders(url).items() if s.endswith(tag)}
    assert mine == {f"keep-{tag}": 6}
    erase_conversation(cleaner, sessions, f"keep-{tag}", "publisher")  # leave the shared database as it was


def _long_conversation(sender: str, at: dt.datetime, turns: int = 12) -> DialogueStateTracker:
    """A conversation long enough for the windowed store to move its window on (and save it)."""
    ts = at.timestamp()
    events = [ActionExecuted("action_session_start", timestamp=ts), SessionStarted(timestamp=ts),
              ActionExecuted("action_listen", timestamp=ts)]
    for turn in range(turns):
        stamp = ts + 10 * turn
        events += [UserUttered(f"hello {turn}", {"name": "greet", "confidence": 0.97}, timestamp=stamp + 1),
                   BotUttered("Hello!", timestamp=stamp + 2), ActionExecuted("action_listen", timestamp=stamp + 2)]
    return DialogueStateTracker.from_events(sender, events)


def _windows(url: str) -> set[str]:
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT sender_id FROM {WINDOWS_TABLE}")).all()
    engine.dispose()
    return {sender for (sender,) in rows}


def test_retention_and_erasure_delete_the_windowed_stores_saved_state_too(tmp_path):
    # the window's prefix holds the slots at its anchor (postcodes, emails): it must not outlive the events
    path = tmp_path / "tracker.db"
    config = EndpointConfig(type="conversation_store.windowed.WindowedSQLTrackerStore", dialect="sqlite",
                            db=str(path), keep_turns=2, max_turns=4)
    trackers = [_long_conversation("old", NOW - dt.timedelta(days=120)),
                _long_conversation("erased", NOW - dt.timedelta(hours=2)),
                _long_conversation("recent", NOW - dt.timedelta(hours=1))]
    store = TrackerStore.create(config, DOMAIN)

    async def save_and_read() -> None:
        for tracker in trackers:
            await store.save(tracker)
            again = await store.retrieve(tracker.sender_id)  # a turn as Rasa takes it: retrieve, add, save
            stamp = again.events[-1].timestamp + 1
            again.update(UserUttered("thanks", {"name": "thank_you", "confidence": 0.97}, timestamp=stamp))
            again.update(ActionExecuted("action_listen", timestamp=stamp + 1))
            await store.save(again)

    asyncio.run(save_and_read())
    url = f"sqlite:///{path}"
    assert _windows(url) == {"old", "erased", "recent"}
    sessions = make_sessions(make_engine(f"sqlite:///{tmp_path / 'console.db'}"))
    cleaner = TrackerStoreCleaner(url)
    expire(cleaner, sessions, 90, NOW)
    assert _windows(url) == {"erased", "recent"}
    assert cleaner.erase("erased") > 0
    assert _windows(url) == {"recent"} and set(_senders(url)) == {"recent"}
