"""One slow council system holds up only the resident waiting on it, not every resident's actions.

The real action server (``rasa run actions``) in front of a tiny real council system whose planning contacts
answer only once another resident's action has finished (or after a fallback pause, so the old, blocking code
fails this test instead of hanging). Ordering, not timing, is asserted.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local_stack.services import actions_service, new_secret
from tests.conftest import API_KEY, free_port

pytestmark = pytest.mark.needs_stack  # starts the action server

SLOW, FAST = "planning", "waste"
# Never reached when actions run concurrently: the fast action ends the slow call's wait long before.
FALLBACK_SECONDS = 2.5  # under the connectors' 3 s timeout, so the slow call still succeeds on blocking code


class SlowCouncil:
    """GET /contacts?department=...: the slow department's answer waits until the fast action has finished."""

    def __init__(self) -> None:
        self.slow_arrived = threading.Event()
        self.fast_finished = threading.Event()
        council = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                department = parse_qs(urlsplit(self.path).query).get("department", [""])[0]
                if department == SLOW:
                    council.slow_arrived.set()
                    council.fast_finished.wait(FALLBACK_SECONDS)
                body = json.dumps([{"department": department, "name": f"{department} team", "phone": "01632 960001",
                                    "email": "team@example.org", "hours": "9 to 5", "url": "https://example.org"}])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def slow_council(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlowCouncil, str, str]]:
    council = SlowCouncil()
    port = free_port()
    token = new_secret()
    actions = actions_service(port, council.url, API_KEY, token)
    actions.start(Path(tmp_path_factory.mktemp("actions_concurrency")))
    try:
        actions.wait_ready()
        yield council, f"http://127.0.0.1:{port}/webhook", token
    finally:
        actions.stop()
        council.server.shutdown()


def _contact_call(sender: str, department: str) -> dict:
    """Rasa's call to run action_contact_council for a resident who asked for a department's number."""
    return {
        "next_action": "action_contact_council",
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"department": department},
            "latest_message": {"text": f"{department} phone number", "intent": {"name": "contact_council"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_a_slow_council_system_does_not_hold_up_another_residents_action(slow_council) -> None:
    council, webhook, token = slow_council
    finished: list[str] = []
    answers: dict[str, dict] = {}

    def resident(name: str, department: str) -> None:
        answer = requests.post(webhook, json=_contact_call(name, department), timeout=30,
                               headers={"Authorization": f"Bearer {token}"})
        answers[name] = answer.json()
        finished.append(name)

    slow = threading.Thread(target=resident, args=("slow", SLOW))
    slow.start()
    assert council.slow_arrived.wait(30), "the slow resident's action never reached the council system"
    resident("fast", FAST)
    council.fast_finished.set()
    slow.join(30)

    assert finished == ["fast", "slow"]
    for name, department in (("fast", FAST), ("slow", SLOW)):
        said = answers[name]["responses"][0]
        assert said["response"] == "utter_contact_point" and said["name"] == f"{department} team"
