"""Directory answers residents marked "didn't help" show in the inbox with their service; editors fix them by
adding the resident's words to a service's terms in the council's A to Z (the real backend), audited."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from connectors.directory import DirectoryConnector
from connectors.settings import ConnectorSettings
from staff_console.sample_tracker import EVENTS, METADATA, user_event
from tests.backend_server import free_port, start_backend, stop_backend
from tests.staff_console.conftest import login, make_console

QUESTION = "the paving slab outside my house wobbles"


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    running = start_backend(tmp_path_factory.mktemp("directory_backend"))
    yield running
    stop_backend(running)


def _directory_conversation(path: Path, sender: str, service: str | None) -> None:
    """A resident asks, the A to Z answers (slot directory_service), the resident says it didn't help."""
    ts = time.time() - 60
    events = [
        ("action", None, "action_listen", {"event": "action", "name": "action_listen"}),
        ("user", "nlu_fallback", None, user_event(QUESTION, "nlu_fallback", 0.4, [], ts)),
        ("action", None, "action_service_directory", {"event": "action", "name": "action_service_directory"}),
        ("bot", None, None, {"event": "bot", "text": "Road signs and markings: ..."}),
        ("slot", None, None, {"event": "slot", "name": "directory_service", "value": service}),
        ("action", None, "action_listen", {"event": "action", "name": "action_listen"}),
        ("user", "not_helpful", None, user_event("/not_helpful", "not_helpful", 1.0, [], ts + 5)),
        ("action", None, "utter_not_helpful", {"event": "action", "name": "utter_not_helpful"}),
    ]
    engine = create_engine(f"sqlite:///{path}", future=True)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), [
            {"sender_id": sender, "type_name": kind, "timestamp": ts + i, "intent_name": intent,
             "action_name": action, "data": json.dumps(data)}
            for i, (kind, intent, action, data) in enumerate(events)
        ])
    engine.dispose()


def _console(tmp_path, data_copy, settings, service="road-signs-and-markings"):
    tracker = tmp_path / "tracker.db"
    _directory_conversation(tracker, "resident-dir", service)
    _directory_conversation(tracker, "resident-other", None)  # not answered from the A to Z
    app, _ = make_console(tmp_path, tracker, data_copy, directory_settings=settings)
    return app


def _settings(backend):
    return ConnectorSettings(council_api_url=backend.url, council_api_key=backend.api_key)


def test_inbox_shows_a_directory_answer_that_did_not_help_with_its_service(tmp_path, data_copy, backend):
    app = _console(tmp_path, data_copy, _settings(backend))
    reader = app.extensions["staff_console"]["reader"]
    marked = {m["sender_id"]: m for m in reader.unsure_messages() if m.get("unhelpful")}
    assert marked["resident-dir"]["text"] == QUESTION
    assert marked["resident-dir"]["directory_service"] == "road-signs-and-markings"
    assert marked["resident-other"]["directory_service"] is None

    client = app.test_client()
    login(client, "viewer")
    page = client.get("/inbox").get_data(as_text=True)
    assert "answered from the A to Z" in page and "road-signs-and-markings" in page
    assert 'class="directory-term"' not in page  # viewers cannot change the A to Z


def test_editor_adds_the_residents_words_to_the_right_service(tmp_path, data_copy, backend):
    app = _console(tmp_path, data_copy, _settings(backend))
    client = app.test_client()
    token = login(client, "editor")
    page = client.get("/inbox").get_data(as_text=True)
    assert 'class="directory-term"' in page and '<option value="pavements">' in page
    event_id = next(m["event_id"] for m in app.extensions["staff_console"]["reader"].unsure_messages()
                    if m["sender_id"] == "resident-dir")

    answer = client.post("/inbox/directory-term", data={
        "csrf_token": token, "event_id": event_id, "service": "pavements", "term": "paving slab wobbles"})
    assert answer.status_code == 302

    service = DirectoryConnector(_settings(backend)).service("pavements")
    assert "paving slab wobbles" in service.terms
    assert DirectoryConnector(_settings(backend)).search(QUESTION)[0].service.id == "pavements"
    audit = client.get("/audit").get_data(as_text=True)
    assert "directory_term" in audit and "paving slab wobbles" in audit and "pavements" in audit
    after = client.get("/inbox").get_data(as_text=True)
    assert "road-signs-and-markings" not in after  # handled: it leaves the inbox


def test_viewer_cannot_change_the_a_to_z(tmp_path, data_copy, backend):
    app = _console(tmp_path, data_copy, _settings(backend))
    client = app.test_client()
    token = login(client, "viewer")
    answer = client.post("/inbox/directory-term", data={
        "csrf_token": token, "event_id": 2, "service": "pavements", "term": "viewer words"})
    assert answer.status_code == 403
    assert "viewer words" not in DirectoryConnector(_settings(backend)).service("pavements").terms


def test_bad_terms_and_unknown_services_are_refused(tmp_path, data_copy, backend):
    app = _console(tmp_path, data_copy, _settings(backend))
    client = app.test_client()
    token = login(client, "editor")
    for service, term in (("pavements", ""), ("", "words"), ("no-such-service", "words"),
                          ("pavements", "call me on <phone>"), ("pavements", "x" * 101)):
        answer = client.post("/inbox/directory-term", data={
            "csrf_token": token, "event_id": 2, "service": service, "term": term})
        assert answer.status_code == 400, (service, term)
    assert client.post("/inbox/directory-term", data={
        "csrf_token": token, "event_id": 999999, "service": "pavements", "term": "w"}).status_code == 404


def test_a_to_z_down_changes_nothing_and_says_so(tmp_path, data_copy):
    settings = ConnectorSettings(council_api_url=f"http://127.0.0.1:{free_port()}", timeout=1)
    app = _console(tmp_path, data_copy, settings)
    client = app.test_client()
    token = login(client, "editor")
    page = client.get("/inbox").get_data(as_text=True)
    assert "cannot be reached" in page
    answer = client.post("/inbox/directory-term", data={
        "csrf_token": token, "event_id": 2, "service": "pavements", "term": "words"}, follow_redirects=True)
    assert "nothing was changed" in answer.get_data(as_text=True)
    assert "road-signs-and-markings" in answer.get_data(as_text=True)  # still waiting in the inbox
