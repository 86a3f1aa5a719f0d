"""Every model is kept with its evaluation; a publisher rolls back by publishing an earlier one (PUT /model)."""

from __future__ import annotations

import json

from staff_console.db import ModelRecord
from tests.staff_console.conftest import login, make_console
from tests.staff_console.fakes import RASA_TOKEN, fake_rasa, running_model_dir


def test_publisher_rolls_back_to_an_earlier_model(tmp_path, fake_tracker, data_copy):
    server, url, loaded = fake_rasa()
    try:
        app, _ = make_console(tmp_path, fake_tracker, data_copy, rasa_url=url, rasa_token=RASA_TOKEN)
        sessions = app.extensions["staff_console"]["sessions"]
        db = sessions()
        old = ModelRecord(path=str(tmp_path / "old.tar.gz"), status="retired", accuracy=0.9, oos_recall=0.8)
        new = ModelRecord(path=str(tmp_path / "new.tar.gz"), status="live", accuracy=0.91, oos_recall=0.8)
        db.add_all([old, new])
        db.commit()
        old_id, new_id = old.id, new.id
        sessions.remove()
        client = app.test_client()
        token = login(client, "publisher")
        page = client.get("/training").get_data(as_text=True)
        assert "Roll back to this" in page and "90.0%" in page
        assert client.post(f"/models/{old_id}/publish", data={"csrf_token": token}).status_code == 302
        assert loaded == [str(tmp_path / "old.tar.gz")]
        db = sessions()
        assert db.get(ModelRecord, old_id).status == "live" and db.get(ModelRecord, new_id).status == "retired"
        assert "Published model" in client.get("/audit").get_data(as_text=True)
        # `make run` starts the rolled-back model next time (local_stack.models reads this file).
        published = json.loads((tmp_path / "models" / "published.json").read_text())
        assert published["model"] == str(tmp_path / "old.tar.gz") and published["pinned"] is True
    finally:
        server.shutdown()


def test_the_model_rasa_runs_is_what_the_gate_compares_with(tmp_path, fake_tracker, data_copy):
    server, url, _ = fake_rasa()
    try:
        models = running_model_dir(tmp_path)
        app, _ = make_console(tmp_path, fake_tracker, data_copy, rasa_url=url, rasa_token=RASA_TOKEN, models_dir=models)
        sessions = app.extensions["staff_console"]["sessions"]
        db = sessions()
        db.add(ModelRecord(path=str(tmp_path / "published-earlier.tar.gz"), status="live"))
        db.commit()
        sessions.remove()
        trainer = app.extensions["staff_console"]["trainer"]
        live_id = trainer.registry.adopt_running_model()
        db = sessions()
        assert db.get(ModelRecord, live_id).path == str((models / "council-running.tar.gz").resolve())
        assert [m.status for m in db.query(ModelRecord).order_by(ModelRecord.id)] == ["retired", "live"]
        assert trainer.registry.live_model_id() == live_id
    finally:
        server.shutdown()


def test_console_start_evaluates_the_live_model_in_the_background(tmp_path, fake_tracker, data_copy):
    server, url, _ = fake_rasa()
    try:
        models = running_model_dir(tmp_path)
        heldout = tmp_path / "heldout"
        heldout.mkdir()
        # An evaluation made earlier for this model and held-out set: reused, not recomputed.
        urgent = tmp_path / "urgent.yml"
        (models / "council-running.eval.json").write_text(json.dumps(
            {"heldout": str(heldout.resolve()), "urgent_set": str(urgent.resolve()), "accuracy": 0.93,
             "macro_f1": 0.94, "oos_recall": 0.88}))
        app, _ = make_console(tmp_path, fake_tracker, data_copy, rasa_url=url, rasa_token=RASA_TOKEN, models_dir=models,
                              heldout_dir=heldout, urgent_set=urgent)
        trainer = app.extensions["staff_console"]["trainer"]
        trainer.evaluate_live_in_background(attempts=3, pause=0.1).join(30)
        record = app.extensions["staff_console"]["sessions"]().get(ModelRecord, trainer.registry.live_model_id())
        assert record.path.endswith("council-running.tar.gz") and record.status == "live"
        assert (record.accuracy, record.oos_recall) == (0.93, 0.88)
    finally:
        server.shutdown()
