"""A retrain the gate refuses stays unpublished, and staff see which checks refused it and the examples.

The training and the evaluations are fakes (their results as ``staff_console.evaluate`` and
``evaluation.conversation_tests`` write them); the console, its database, its page and a Rasa stand-in over real
HTTP are real.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from staff_console.db import AuditEntry, ModelRecord, TrainingJob
from tests.staff_console.conftest import login, make_console
from tests.staff_console.fakes import RASA_TOKEN, fake_rasa, held_out, running_model_dir

PASSED_CONVERSATIONS = {"passed": True, "total": 42, "failed": [], "seconds": 50.0}
FAILED_CONVERSATIONS = {"passed": False, "total": 42, "seconds": 50.0, "failed": [
    {"story": "missed bin happy path", "wrong": ["expected missed_bin_form, predicted action_default_fallback"]}]}


@pytest.fixture
def console_with_fakes(tmp_path, fake_tracker, data_copy):
    """A console whose trainer 'trains' instantly and gets the evaluations the test sets."""
    server, url, loaded = fake_rasa()
    models = running_model_dir(tmp_path)
    app, _ = make_console(tmp_path, fake_tracker, data_copy, rasa_url=url, rasa_token=RASA_TOKEN, models_dir=models)
    trainer = app.extensions["staff_console"]["trainer"]
    results: dict[str, dict] = {"live": held_out(90, 8, fallback=2), "candidate": held_out(90, 8, fallback=2),
                                "conversations": PASSED_CONVERSATIONS}

    def train(name: str, live_model: Path | None, update) -> Path:
        model = models / f"{name}.tar.gz"
        model.write_bytes(b"candidate")
        return model.resolve()

    def evaluation(record_id: int) -> dict:
        return results["live" if "running" in trainer.registry.path(record_id).name else "candidate"]

    trainer.runner.train = train
    trainer.evaluations.evaluation = evaluation
    trainer.evaluations.conversations = lambda record_id: results["conversations"]
    try:
        yield app, results, loaded
    finally:
        server.shutdown()


def retrain(app) -> TrainingJob:
    client = app.test_client()
    token = login(client, "publisher")
    assert client.post("/training/start", data={"csrf_token": token}).status_code == 302
    trainer = app.extensions["staff_console"]["trainer"]
    trainer.wait(60)
    return app.extensions["staff_console"]["sessions"]().query(TrainingJob).order_by(TrainingJob.id.desc()).first()


def test_a_candidate_no_worse_on_every_check_is_published(console_with_fakes):
    app, _, loaded = console_with_fakes
    job = retrain(app)
    assert job.status == "published", job.message
    assert len(loaded) == 1 and loaded[0].endswith(".tar.gz") and "running" not in loaded[0]


@pytest.mark.parametrize(("change", "check", "title", "example"), [
    ({"candidate": held_out(90, 8, fallback=4)}, "fallback", "In-scope messages sent to the fallback",
     "greeting 3"),
    ({"candidate": held_out(90, 8, fallback=2, urgent_missed=("urgent 4",))}, "urgent", "Urgent messages",
     "urgent 4 (needs home_flooding, got greet)"),
    ({"conversations": FAILED_CONVERSATIONS}, "conversations", "Conversation tests",
     "missed bin happy path: expected missed_bin_form, predicted action_default_fallback"),
])
def test_a_refused_candidate_stays_unpublished_and_the_page_names_the_check_and_examples(
        console_with_fakes, change, check, title, example):
    app, results, loaded = console_with_fakes
    results.update(change)
    job = retrain(app)
    assert job.status == "refused"
    assert job.message.startswith(f"Kept the live model ({title.lower()}):")
    assert loaded == []
    sessions = app.extensions["staff_console"]["sessions"]
    record = sessions().get(ModelRecord, job.model_id)
    assert record.status == "refused"
    assert sessions().query(AuditEntry).filter_by(action="refuse").count() == 1
    client = app.test_client()
    login(client, "viewer")
    page = html.unescape(client.get("/training").get_data(as_text=True))
    assert f'data-check="{check}"' in page and title in page and example in page


def test_a_report_written_before_these_checks_still_shows(console_with_fakes):
    app, _, _ = console_with_fakes
    sessions = app.extensions["staff_console"]["sessions"]
    db = sessions()
    db.add(ModelRecord(path="/models/old.tar.gz", status="refused", accuracy=0.9, gate_report=json.dumps({
        "passed": False, "reasons": ["Accuracy fell from 90.0% to 80.0%."], "worse_intents": [],
        "candidate": {"accuracy": 0.8, "oos_recall": 0.9}, "live": None})))
    db.commit()
    sessions.remove()
    client = app.test_client()
    login(client, "viewer")
    answer = client.get("/training")
    assert answer.status_code == 200
    assert "refused: Accuracy fell from 90.0% to 80.0%." in answer.get_data(as_text=True)
