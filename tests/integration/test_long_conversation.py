"""A long conversation gets the same answers from the windowed tracker store as from Rasa's own SQL store.

Two Rasa servers on one model and one action server: one with Rasa's ``SQLTrackerStore`` (the whole session
replayed every turn), one with ``bot/endpoints.yml``'s windowed store (the latest turns on a slot snapshot).
The resident says the same 60 messages to both, through forms, look-ups, a report and a hand-over whose case
quotes the resident's last messages, so the window moves several times; every answer must be the same.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from local_stack.services import Stack, actions_service, backend_service, embedded_endpoints, new_secret, rasa_service
from tests.conftest import API_KEY, FIXED_NOW, free_port

REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{4,}\b")
SCRIPT = [
    "hello", "when is my bin day", "FB1 2AA", '/inform{"uprn": "100090000001"}', "thanks",
    "when does the central library open", "and millbrook library?", "thanks",
    "what band is my house", "FB3 7QE", "1", "which bin does a pizza box go in",
    "there's a pothole on Mill Lane", "outside number 7 Mill Lane",
    "about the size of a dinner plate, cars swerve round it", "no", "thanks",
    "is the tip open on sunday", "what's the weather in Paris", "speak to a person", "Sam Taylor",
    "07700 900123", "thanks", "what's the status of planning application 24/01234/FUL", "bye",
]


@pytest.fixture(scope="module")
def two_rasas(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path, str]]:
    """Rasa on its own SQL store and Rasa on the windowed one, sharing the backend and the action server."""
    work = tmp_path_factory.mktemp("long")
    windowed = yaml.safe_load(embedded_endpoints(work / "windowed.db"))
    plain = {**windowed, "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(work / "plain.db")}}
    for name, endpoints in (("windowed", windowed), ("plain", plain)):
        (work / f"{name}.yml").write_text(yaml.safe_dump(endpoints))
    backend_port, actions_port, plain_port, windowed_port = free_port(), free_port(), free_port(), free_port()
    backend_url = f"http://127.0.0.1:{backend_port}"
    rasa_token, action_token = new_secret(), new_secret()
    rasas = [rasa_service(port, model_path, actions_port, rasa_token, action_token, endpoints=str(work / f"{name}.yml"))
             for port, name in ((plain_port, "plain"), (windowed_port, "windowed"))]
    rasas[1].name = "rasa-windowed"
    stack = Stack([backend_service(backend_port, API_KEY, db_url=f"sqlite:///{work / 'backend.db'}", now=FIXED_NOW),
                   actions_service(actions_port, backend_url, API_KEY, action_token, now=FIXED_NOW), *rasas],
                  log_dir=work / "logs")
    stack.start()
    try:
        yield f"http://127.0.0.1:{plain_port}", f"http://127.0.0.1:{windowed_port}", work / "windowed.db", rasa_token
    finally:
        stack.stop()


def test_sixty_turns_get_the_same_answers_from_the_window_as_from_the_whole_session(two_rasas, sender) -> None:  # noqa: ANN001
    plain, windowed, windowed_db, rasa_token = two_rasas

    def say(url: str, text: str) -> list[dict]:
        answer = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
        answer.raise_for_status()
        # both servers file their reports and cases with one backend, which numbers them in turn
        return [{"text": REFERENCE.sub("<reference>", message.get("text") or ""), "buttons": message.get("buttons"),
                 "custom": message.get("custom")} for message in answer.json()]

    messages = [SCRIPT[i % len(SCRIPT)] for i in range(60)]
    for turn, text in enumerate(messages, start=1):
        expected, got = say(plain, text), say(windowed, text)
        assert got == expected, f"turn {turn} ({text!r}): window {got} != whole session {expected}"
    with sqlite3.connect(windowed_db) as db:  # the window did move on, past most of the conversation
        (anchor,) = db.execute("SELECT anchor_id FROM conversation_windows WHERE sender_id = ?", (sender,)).fetchone()
        after = db.execute("SELECT count(*) FROM events WHERE sender_id = ? AND id > ? AND type_name = 'user'",
                           (sender, anchor)).fetchone()[0]
    assert after <= 16
    full = requests.get(f"{windowed}/conversations/{sender}/tracker", params={"token": rasa_token},
                        timeout=30).json()["events"]
    assert sum(event["event"] == "user" for event in full) == 60  # and every message is still stored
