"""The action server is down or restarting: every channel still answers, with the apology, and carries on after.

A real Rasa whose action endpoint is a closed port (Rasa gets connection refused, as while the action server
restarts), the real chat page in front of it; then the action server starts on that port.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio

from councils import load_profile
from councils.apology import apology
from local_stack.services import (
    Stack,
    actions_service,
    chat_service,
    embedded_endpoints,
    new_secret,
    rasa_service,
)
from tests.conftest import API_KEY, free_port, texts

NEEDS_AN_ACTION = "what's the council's phone number"  # answered by action_contact_council, on the action server


@dataclass
class NoActions:
    """Rasa and the chat page, with nothing listening where Rasa expects the action server."""

    stack: Stack
    rasa_url: str
    chat_url: str
    actions_port: int
    log_dir: Path
    action_token: str  # the secret Rasa sends the action server


@pytest.fixture(scope="module")
def no_actions(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NoActions]:
    work = tmp_path_factory.mktemp("no_actions")
    endpoints = work / "endpoints.yml"
    endpoints.write_text(embedded_endpoints(work / "tracker.db"))
    rasa_token, action_token = new_secret(), new_secret()
    actions_port, rasa_port, chat_port = free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    rasa = rasa_service(rasa_port, model_path, actions_port, rasa_token, action_token, endpoints=str(endpoints))
    stack = Stack([rasa,
                   chat_service(chat_port, rasa_url)], log_dir=work / "logs")
    stack.start()
    try:
        yield NoActions(stack, rasa_url, f"http://127.0.0.1:{chat_port}", actions_port, work / "logs",
                        action_token)
    finally:
        stack.stop()


def _sender() -> str:
    return f"down-{uuid.uuid4().hex[:12]}"


def _rest(no_actions: NoActions, sender: str, text: str) -> list[dict]:
    answer = requests.post(f"{no_actions.rasa_url}/webhooks/rest/webhook",
                           json={"sender": sender, "message": text}, timeout=60)
    answer.raise_for_status()
    return answer.json()


def test_rest_channel_answers_the_apology_with_the_councils_phone(no_actions: NoActions) -> None:
    assert texts(_rest(no_actions, _sender(), NEEDS_AN_ACTION)) == apology(None, load_profile())


def test_chat_page_answers_the_apology(no_actions: NoActions) -> None:
    answer = requests.post(f"{no_actions.chat_url}/api/message",
                           json={"sender": _sender(), "message": NEEDS_AN_ACTION}, timeout=60)
    assert answer.status_code == 200
    assert texts(answer.json()) == apology(None, load_profile())


def test_voice_channel_speaks_the_voice_apology(no_actions: NoActions) -> None:
    answer = requests.post(f"{no_actions.rasa_url}/webhooks/voice/webhook",
                           json={"sender": f"alexa-{_sender()}", "message": NEEDS_AN_ACTION}, timeout=60)
    assert answer.status_code == 200
    assert texts(answer.json()) == apology("voice", load_profile())


def test_socketio_widget_gets_the_apology(no_actions: NoActions) -> None:
    client = socketio.Client(reconnection=False)
    received: list[dict] = []
    apologised, confirmed = threading.Event(), threading.Event()

    def on_bot(message: dict) -> None:
        received.append(message)
        if message.get("text") == apology("socketio", load_profile()):
            apologised.set()

    client.on("bot_uttered", on_bot)
    client.on("session_confirm", lambda session_id: confirmed.set())
    client.connect(no_actions.rasa_url, transports=["websocket"], wait_timeout=10)
    try:
        session_id = _sender()
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.wait(10), "no session_confirm"
        client.call("user_uttered", {"message": NEEDS_AN_ACTION, "session_id": session_id}, timeout=60)
        assert apologised.wait(10), received
    finally:
        client.disconnect()


def test_conversation_goes_on_once_the_action_server_is_back(no_actions: NoActions) -> None:
    sender = _sender()
    assert texts(_rest(no_actions, sender, NEEDS_AN_ACTION)) == apology(None, load_profile())
    # No backend either: the contact answer then comes from the council profile, which is enough here.
    actions = actions_service(no_actions.actions_port, f"http://127.0.0.1:{free_port()}", API_KEY,
                              no_actions.action_token)
    actions.start(no_actions.log_dir)
    try:
        actions.wait_ready()
        reply = texts(_rest(no_actions, sender, NEEDS_AN_ACTION))
        assert load_profile().phone in reply and reply != apology(None, load_profile())
    finally:
        actions.stop()
