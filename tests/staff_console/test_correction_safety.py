"""Corrections cannot break or poison training: residents' words stay words, editors stay within the domain."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy import create_engine

from local_stack.services import ROOT
from staff_console.sample_tracker import EVENTS, user_event
from staff_console.training_data import BadCorrection, TrainingData, _check_with_rasa
from tests.staff_console.conftest import login

ATTACKS = {
    "control": "bins not collected\x07 at the\x1b[2J flats\x00 \u2028please",
    "dict": "my [x]{\"entity\": \"bad\"} bin was missed",
    "bad_dict": "my [x]{bad} bin was missed",
    "synonym": "recycling missed at [a](postcode:FB9 9ZZ) again",
}


def _add_messages(tracker: Path, texts: dict[str, str]) -> dict[str, int]:
    """Add one resident message per text to the tracker store; returns their event ids by key."""
    engine = create_engine(f"sqlite:///{tracker}", future=True)
    ids = {}
    with engine.begin() as connection:
        for n, (key, text) in enumerate(texts.items()):
            data = user_event(text, "nlu_fallback", 0.2, [], 1_700_000_000.0 + n)
            ids[key] = connection.execute(EVENTS.insert().values(
                sender_id=f"attack-{key}", type_name="user", timestamp=1_700_000_000.0 + n,
                intent_name="nlu_fallback", data=json.dumps(data))).inserted_primary_key[0]
    engine.dispose()
    return ids


def _nlu(data_dir: Path):
    """The NLU folder as Rasa reads it for training (raises on a file it cannot read)."""
    return load_data(str(data_dir))


@pytest.mark.parametrize("key", sorted(ATTACKS))
def test_residents_words_are_written_as_literal_text_rasa_can_read(console, data_copy, fake_tracker, key):
    ids = _add_messages(fake_tracker, ATTACKS)
    client = console.test_client()
    token = login(client, "editor")
    answer = client.post("/inbox/correct", data={"event_id": ids[key], "action": "relabel",
                                                 "intent": "report_missed_bin", "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    data = _nlu(data_copy)  # every file still loads
    assert "FB9 9ZZ" not in data.entity_synonyms.values()
    written = [m for m in data.training_examples if "missed" in m.get("text") or "flats" in m.get("text")]
    mine = [m for m in written if m.get("intent") == "report_missed_bin" and ("(x)" in m.get("text")
                                                                     or "flats" in m.get("text")
                                                                     or "(a)" in m.get("text"))]
    assert len(mine) == 1
    assert not mine[0].get("entities")
    assert not any(ord(c) < 32 or c == "\u2028" for c in mine[0].get("text"))


def test_actions_other_than_the_pages_three_are_refused_and_nothing_is_written(console, data_copy, fake_tracker):
    ids = _add_messages(fake_tracker, {"plain": "where do i put old paint tins"})
    before = {p.name: p.read_text() for p in data_copy.glob("*.yml")}
    client = console.test_client()
    token = login(client, "editor")
    injected = "greet\n  examples: |\n    - poisoned\n- synonym: evil\n  examples: |\n    - good"
    for action, intent in (("anything", injected), ("relabel", injected), ("relabel", "no_such_intent"),
                           ("other", "greet")):
        answer = client.post("/inbox/correct", data={"event_id": ids["plain"], "action": action,
                                                     "intent": intent, "csrf_token": token})
        assert answer.status_code == 400, (action, intent)
    assert {p.name: p.read_text() for p in data_copy.glob("*.yml")} == before


def test_editor_may_mark_only_domain_entities_without_synonyms(console, data_copy, fake_tracker):
    ids = _add_messages(fake_tracker, {"plain": "bins at the school gate"})
    before = {p.name: p.read_text() for p in data_copy.glob("*.yml")}
    client = console.test_client()
    token = login(client, "editor")
    for example in ("bins at the [school gate](evil_entity)", "[bins](bin_type:glass) at the school gate",
                    '[bins]{"entity": "bin_type", "value": "glass"} at the school gate'):
        answer = client.post("/inbox/correct", data={"event_id": ids["plain"], "action": "relabel",
                                                     "intent": "report_missed_bin", "example": example,
                                                     "csrf_token": token})
        assert answer.status_code == 400, example
    assert {p.name: p.read_text() for p in data_copy.glob("*.yml")} == before
    answer = client.post("/inbox/correct", data={"event_id": ids["plain"], "action": "relabel",
                                                 "intent": "report_missed_bin",
                                                 "example": "[bins](bin_type) at the school gate",
                                                 "csrf_token": token})
    assert answer.status_code == 302
    assert "    - [bins](bin_type) at the school gate" in (data_copy / "waste.yml").read_text()


def test_training_data_refuses_intents_and_entities_the_domain_does_not_declare(data_copy):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    with pytest.raises(BadCorrection):
        data.add_example("greet\n- synonym: x", "hello there friend")
    with pytest.raises(BadCorrection):
        data.add_example("greet", "hello [friend](made_up)")
    assert "nlu_fallback" not in data.intents() and "out_of_scope" in data.intents()


def test_a_file_rasa_cannot_read_is_refused_before_it_is_written():
    with pytest.raises(BadCorrection):
        _check_with_rasa('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\x07\n', "greet", "hi")
    with pytest.raises(BadCorrection):  # read as other words than the plain example
        _check_with_rasa('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - [hi](x:y)\n', "greet", "hi")


def test_writes_are_atomic_keep_the_files_mode_and_lose_nothing_when_concurrent(data_copy):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    target = data_copy / "libraries.yml"
    target.chmod(0o640)
    texts = [f"is the library open on the {n}th of june for the knitting group" for n in range(1, 21)]
    threads = [threading.Thread(target=data.add_example, args=("library_opening_hours", t)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = {m.get("text") for m in load_data(str(target)).training_examples}
    assert set(texts) <= written
    assert target.stat().st_mode & 0o777 == 0o640
    assert not list(data_copy.glob(".*.tmp"))
