"""Real conversations through the running bot reach the console; a correction is trained, gated and hot-loaded.

Trains tiny models (few DIET epochs, no TED, a few service files) so the cycle fits in a test run.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import requests

from local_stack.services import ROOT
from staff_console.db import ModelRecord, TrainingJob
from tests.conftest import RunningStack
from tests.staff_console.conftest import login, make_console

SERVICE_FILES = ("libraries.yml", "out_of_scope.yml", "out_of_scope_council.yml", "synonyms.yml")
HELDOUT_FILES = ("libraries.yml", "out_of_scope.yml")
TARGET = "when can i pop in and borrow some books"
REMOVED_INTENT = "library_opening_hours"


def tiny_config(path: Path) -> Path:
    """config.yml with DIET at 20 epochs and only the rule and memoization policies."""
    text = (ROOT / "config.yml").read_text()
    text = re.sub(r"epochs: \d+", "epochs: 20", text, count=1)  # the first is DIET's
    assert "epochs: 20" in text
    text = text[: text.index("  - name: TEDPolicy")]
    path.write_text(text)
    return path


def without_intent(text: str, intent: str) -> str:
    """The YAML text with one intent's block of examples cut out (a deliberately worse training set)."""
    return re.sub(rf"- intent: {intent}\n  examples: \|\n(?:    .*\n|\s*\n)*", "", text)


def parse(stack: RunningStack, text: str) -> dict:
    return requests.post(f"{stack.rasa_url}/model/parse", params=stack.api, json={"text": text},
                         timeout=30).json()["intent"]


@pytest.fixture
def live_console(tmp_path, running_stack, model_path):
    data = tmp_path / "nlu_data"
    data.mkdir()
    for name in SERVICE_FILES:
        shutil.copy(ROOT / "nlu_data" / name, data / name)
    shutil.copytree(ROOT / "nlu_data" / "lookups", data / "lookups")
    heldout = tmp_path / "heldout"
    heldout.mkdir()
    for name in HELDOUT_FILES:
        shutil.copy(ROOT / "nlu_heldout" / name, heldout / name)
    app, config = make_console(
        tmp_path, Path(running_stack.tracker_db_url[len("sqlite:///"):]), data, heldout_dir=heldout,
        rasa_url=running_stack.rasa_url, rasa_token=running_stack.rasa_token,
        train_config=tiny_config(tmp_path / "tiny.yml"),
        models_dir=tmp_path / "models", low_confidence=1.01, adopt_running_model=False,
        # The tiny models have no TED to test; test_gate_on_model.py runs them on the shipped model.
        conversation_tests=None,
    )
    yield app, data
    # Give the session's other tests their model back.
    requests.put(f"{running_stack.rasa_url}/model", params=running_stack.api,
                 json={"model_file": str(model_path.resolve())}, timeout=600)


def train(app, client, token) -> TrainingJob:
    """Press the retrain button, watch the progress bar move, wait for the end of the job."""
    assert client.post("/training/start", data={"csrf_token": token}).status_code == 302
    job_id = int(re.search(r'data-job="(\d+)"', client.get("/training").get_data(as_text=True)).group(1))
    seen = set()
    trainer = app.extensions["staff_console"]["trainer"]
    while trainer.thread.is_alive():
        seen.add(client.get(f"/training/jobs/{job_id}.json").get_json()["progress"])
        time.sleep(1)
    job = app.extensions["staff_console"]["sessions"]().get(TrainingJob, job_id)
    assert job.status in ("published", "refused"), job.message
    assert len(seen) >= 2, "progress should move while training"
    return job


def test_conversation_correction_retrain_gate_and_hot_load(live_console, running_stack, sender):
    app, data = live_console
    running_stack.say(sender, "when is my bin day")
    running_stack.say(sender, TARGET)
    running_stack.say(sender, "my email is jo.bloggs@example.com")
    tracker = running_stack.tracker(sender)
    predicted = [e["parse_data"]["intent"] for e in tracker["events"] if e["event"] == "user"]

    client = app.test_client()
    token = login(client, "publisher")
    # The conversation is listed and its transcript shows each message's intent and confidence, redacted.
    assert sender in client.get("/conversations").get_data(as_text=True)
    page = client.get(f"/conversations/{sender}").get_data(as_text=True)
    for intent in predicted:
        assert intent["name"] in page and f"{intent['confidence']:.2f}" in page
    assert "when is my bin day" in page and "&lt;email&gt;" in page and "jo.bloggs" not in page

    # 1. A deliberately worse model (no library opening hours) is the first model: published, nothing to compare.
    libraries = data / "libraries.yml"
    original = libraries.read_text()
    libraries.write_text(without_intent(original, REMOVED_INTENT))
    rasa_pid = running_stack.service("rasa").process.pid
    first = train(app, client, token)
    assert first.status == "published"
    assert parse(running_stack, TARGET)["name"] != REMOVED_INTENT

    # 2. Staff correct the message in the inbox; it lands in libraries.yml; the retrained model passes the gate.
    libraries.write_text(original)
    event_id = next(m["event_id"] for m in app.extensions["staff_console"]["reader"].unsure_messages()
                    if m["sender_id"] == sender and m["text"] == TARGET)
    answer = client.post("/inbox/correct", data={"event_id": event_id, "action": "relabel",
                                                  "intent": REMOVED_INTENT, "csrf_token": token})
    assert answer.status_code == 302
    assert f"    - {TARGET}" in libraries.read_text()
    corrected = libraries.read_text()
    second = train(app, client, token)
    assert second.status == "published", second.message
    assert parse(running_stack, TARGET)["name"] == REMOVED_INTENT
    # Hot-loaded: same Rasa process, the earlier conversation goes on in the tracker store.
    assert running_stack.service("rasa").process.pid == rasa_pid
    running_stack.say(sender, "thanks")
    events = running_stack.tracker(sender)["events"]
    # All four messages are kept, in order (a turn rewritten or reverted by a policy is still stored as said).
    said = [e["text"] for e in events if e["event"] == "user"]
    sent = ["when is my bin day", TARGET, "my email is jo.bloggs@example.com", "thanks"]
    assert [text for text in dict.fromkeys(said) if text in sent] == sent

    # 3. The worse training set again: refused by the gate, with what got worse; the live model stays.
    libraries.write_text(without_intent(original, REMOVED_INTENT))
    third = train(app, client, token)
    assert third.status == "refused"
    assert "Accuracy fell" in third.message
    assert parse(running_stack, TARGET)["name"] == REMOVED_INTENT
    sessions = app.extensions["staff_console"]["sessions"]
    statuses = {m.id: m.status for m in sessions().query(ModelRecord)}
    assert statuses == {first.model_id: "retired", second.model_id: "live", third.model_id: "refused"}
    page = client.get("/training").get_data(as_text=True)
    assert "What got worse and why" in page and REMOVED_INTENT in page
    assert Path(sessions().get(ModelRecord, third.model_id).evaluation_path).exists()

    # 4. The corrected data again, fine-tuning the live model (the quick path staff get by default): published.
    libraries.write_text(corrected)
    app.extensions["staff_console"]["trainer"].config.finetune_fraction = 0.5
    fourth = train(app, client, token)
    assert fourth.status == "published", fourth.message
    assert sessions().get(ModelRecord, fourth.model_id).path.endswith("-ft.tar.gz")  # fine-tuned, not from scratch
    assert parse(running_stack, TARGET)["name"] == REMOVED_INTENT
