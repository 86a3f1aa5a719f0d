"""Rasa's workers pull the live model from the console: the route, its token, its ETag, and publishing by pull."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.serving import make_server

from staff_console.__main__ import publish_model
from tests.staff_console.conftest import make_console

TOKEN = "pull-token-for-tests"


def _models(tmp_path: Path) -> tuple[Path, Path]:
    models = tmp_path / "models"
    models.mkdir()
    (models / "council-started.tar.gz").write_bytes(b"started model")
    (models / "council-newer.tar.gz").write_bytes(b"newer model")
    return models / "council-started.tar.gz", models / "council-newer.tar.gz"


def _pull(client: FlaskClient, etag: str | None = None):  # noqa: ANN202 - a Flask test response
    return client.get(f"/model/live?token={TOKEN}", headers={"If-None-Match": etag} if etag else {})


def test_rasa_pulls_the_started_model_then_only_when_it_changed(tmp_path, fake_tracker, data_copy):
    started, _ = _models(tmp_path)
    app, _ = make_console(tmp_path, fake_tracker, data_copy, model_pull_token=TOKEN, started_model=started,
                          adopt_running_model=False)
    client = app.test_client()
    first = _pull(client)
    assert first.status_code == 200 and first.data == b"started model"
    assert first.headers["filename"] == "council-started.tar.gz"
    assert _pull(client, first.headers["ETag"]).status_code == 304  # Rasa keeps the model it runs


def test_the_model_route_needs_the_runs_token(tmp_path, fake_tracker, data_copy):
    started, _ = _models(tmp_path)
    app, _ = make_console(tmp_path, fake_tracker, data_copy, model_pull_token=TOKEN, started_model=started,
                          adopt_running_model=False)
    assert app.test_client().get("/model/live?token=wrong").status_code == 401
    assert app.test_client().get("/model/live").status_code == 401
    (tmp_path / "closed").mkdir()
    closed, _ = make_console(tmp_path / "closed", fake_tracker, data_copy, adopt_running_model=False)
    assert closed.test_client().get(f"/model/live?token={TOKEN}").status_code == 404  # no token set: no route


def test_publishing_by_pull_changes_what_rasa_pulls_without_calling_rasa(tmp_path, fake_tracker, data_copy):
    started, newer = _models(tmp_path)
    # a Rasa URL where nothing listens: publishing by pull must not call it
    unused = make_server("127.0.0.1", 0, None)
    dead_url = f"http://127.0.0.1:{unused.server_port}"
    unused.server_close()
    app, config = make_console(tmp_path, fake_tracker, data_copy, model_pull_token=TOKEN, started_model=started,
                               adopt_running_model=False, rasa_url=dead_url)
    client = app.test_client()
    etag = _pull(client).headers["ETag"]
    assert publish_model(config, newer, "a test publish", rasa_pulls=True) == 0
    pulled = _pull(client, etag)
    assert pulled.status_code == 200 and pulled.data == b"newer model"
    assert (config.models_dir / "published.json").read_text().count("council-newer.tar.gz") == 1
