"""The windowed tracker store against Rasa's own SQL store, fed the same long conversation turn by turn."""

from __future__ import annotations

import inspect
import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from actions.contact import transcript_summary
from conversation_store.windowed import WindowedSQLTrackerStore
from local_stack.services import ROOT
from tests.conversation_store.scripted import DOMAIN, play, run, said, session_start, turns


@pytest.fixture
def stores(tmp_path: Path) -> tuple[SQLTrackerStore, WindowedSQLTrackerStore]:
    """Rasa's store and the windowed one, each on its own SQLite file."""
    plain = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "plain.db"))
    windowed = WindowedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "windowed.db"),
                                       keep_turns=8, max_turns=16)
    return plain, windowed


def _user_texts(tracker: DialogueStateTracker) -> list[str]:
    return [event.text for event in tracker.events if isinstance(event, UserUttered)]


def test_window_keeps_what_the_dialogue_looks_at_and_stays_bounded(stores) -> None:  # noqa: ANN001
    plain, windowed = stores
    script = turns(80)
    full, window = play(plain, "resident", script), play(windowed, "resident", script)
    longest = 0
    for turn, (expected, got) in enumerate(zip(full, window, strict=True)):
        assert got.current_slot_values() == expected.current_slot_values(), turn
        assert got.active_loop_name == expected.active_loop_name, turn
        assert got.latest_message.text == expected.latest_message.text, turn
        assert got.latest_action_name == expected.latest_action_name, turn
        # the policies see at most the last 5 states (config.yml); the window keeps far more
        assert got.past_states(DOMAIN)[-12:] == expected.past_states(DOMAIN)[-12:], turn
        assert _user_texts(got)[-8:] == _user_texts(expected)[-8:], turn
        longest = max(longest, len(got.events))
    assert len(full[-1].events) > 400  # Rasa's own store replays the whole session every turn
    assert longest < 120  # the window: at most max_turns messages and their events, plus the slot snapshot


def test_every_event_is_still_stored_as_rasa_stores_it(stores) -> None:  # noqa: ANN001
    plain, windowed = stores
    script = turns(60)
    play(plain, "resident", script)
    play(windowed, "resident", script)

    def stored(store: SQLTrackerStore) -> list[tuple[str, str]]:
        with store.session_scope() as session:
            rows = session.query(store.SQLEvent).order_by(store.SQLEvent.id).all()
            return [(row.type_name, _without_timestamp(row.data)) for row in rows]

    assert stored(windowed) == stored(plain)
    full = run(windowed.retrieve_full_tracker("resident"))
    assert len(_user_texts(full)) == 60  # the staff console and Rasa's API still get the whole conversation


def _without_timestamp(data: str) -> str:
    event = json.loads(data)
    event.pop("timestamp", None)
    return json.dumps(event, sort_keys=True)


def test_a_new_session_starts_from_its_own_start_not_the_old_window(stores) -> None:  # noqa: ANN001
    _, windowed = stores
    play(windowed, "resident", turns(40))
    tracker = run(windowed.retrieve("resident"))
    for event in session_start(at=time.time()):
        tracker.update(event, DOMAIN)
    tracker.update(said("hello again", "greet"), DOMAIN)
    run(windowed.save(tracker))
    restored = run(windowed.retrieve("resident"))
    assert _user_texts(restored) == ["hello again"]
    assert restored.get_slot("postcode") is None  # the session config carries no slots over


def test_a_form_in_progress_is_never_cut(tmp_path: Path) -> None:
    store = WindowedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "w.db"), keep_turns=2, max_turns=3)
    script = turns(2)  # greet, then the form asks for a postcode ...
    script += [[said(f"not a postcode {i}", "inform"), ActionExecuted("bin_day_form"),
                BotUttered("Your postcode?"), ActionExecuted("action_listen")] for i in range(8)]
    last = play(store, "resident", script)[-1]
    assert last.active_loop_name == "bin_day_form"
    # the window moved once, to just before the form began, and waits there until the form ends
    assert _user_texts(last) == ["when is my bin day 1", *(f"not a postcode {i}" for i in range(8))]


def test_window_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep_turns < max_turns"):
        WindowedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "w.db"), keep_turns=8, max_turns=8)


def test_the_configured_window_covers_the_policies_and_the_case_summary() -> None:
    """keep_turns holds more turns than any policy's history and every message the case summary quotes."""
    endpoints = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text())["tracker_store"]
    assert endpoints["type"] == "conversation_store.windowed.WindowedSQLTrackerStore"
    policies = yaml.safe_load((ROOT / "config.yml").read_text())["policies"]
    histories = [policy["max_history"] for policy in policies if "max_history" in policy]
    # one message and the assistant's answer make at least two states
    assert 2 * endpoints["keep_turns"] > max(histories)
    assert endpoints["keep_turns"] >= inspect.signature(transcript_summary).parameters["limit"].default
    scale_out = yaml.safe_load((ROOT / "bot" / "scale-out" / "endpoints.yml").read_text())["tracker_store"]
    assert (scale_out["type"], scale_out["keep_turns"], scale_out["max_turns"]) == (
        endpoints["type"], endpoints["keep_turns"], endpoints["max_turns"])  # one window, whatever the machines


def test_tables_live_beside_rasas(stores) -> None:  # noqa: ANN001
    _, windowed = stores
    assert {"events", "conversation_windows"} <= set(sa.inspect(windowed.engine).get_table_names())
