"""Alexa request envelopes, a conversation helper that carries session attributes, and a fake Amazon API."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import RunningStack
from voice_skill.app import create_app

# Recorded envelopes from other public projects, kept beside the tests (sources and licences in SOURCES.md there).
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "alexa"


def load_fixture(name: str) -> dict[str, Any]:
    """One recorded envelope, as a fresh dict."""
    return json.loads((FIXTURES / name).read_text())


def wrap_bare_request(request: dict[str, Any], session_id: str | None = None) -> dict[str, Any]:
    """The Java SDK fixture is a bare `request` object: put it in the envelope Alexa always sends."""
    session_id = session_id or f"amzn1.echo-api.session.{uuid.uuid4()}"
    return {
        "version": "1.0",
        "session": {
            "new": False,
            "sessionId": session_id,
            "application": {"applicationId": "amzn1.ask.skill.test"},
            "attributes": {},
            "user": {"userId": "amzn1.ask.account.TEST"},
        },
        "context": {"System": {"application": {"applicationId": "amzn1.ask.skill.test"},
                               "user": {"userId": "amzn1.ask.account.TEST"},
                               "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": {}}}},
        "request": {"timestamp": "2026-12-02T10:00:00Z", **request},
    }


def speech(body: dict[str, Any]) -> str:
    """The SSML Alexa would say, or "" for a silent response."""
    return ((body.get("response") or {}).get("outputSpeech") or {}).get("ssml", "")


def reprompt(body: dict[str, Any]) -> str:
    """The SSML Alexa says when the resident stays silent."""
    return (((body.get("response") or {}).get("reprompt") or {}).get("outputSpeech") or {}).get("ssml", "")


@dataclass
class VoiceConversation:
    """One Alexa session: every request carries the previous response's session attributes."""

    client: FlaskClient
    base: dict[str, Any]
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        return f"alexa-{self.session_id}"

    def send(self, request: dict[str, Any], context: dict[str, Any] | None = None) -> dict[str, Any]:
        envelope = copy.deepcopy(self.base)
        envelope["session"]["sessionId"] = self.session_id
        envelope["session"]["new"] = not self.attributes
        envelope["session"]["attributes"] = self.attributes
        if context is not None:
            envelope["context"] = context
        envelope["request"] = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
                               "timestamp": "2026-12-02T10:00:00Z", "locale": "en-GB", **request}
        response = self.client.post("/alexa", json=envelope)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        self.attributes = body.get("sessionAttributes") or {}
        return body

    def launch(self) -> dict[str, Any]:
        return self.send({"type": "LaunchRequest"})

    def intent(self, name: str, slots: dict[str, Any] | None = None, context: dict[str, Any] | None = None
               ) -> dict[str, Any]:
        slot_objects = {
            slot: value if isinstance(value, dict) else {"name": slot, "value": value, "confirmationStatus": "NONE"}
            for slot, value in (slots or {}).items()
        }
        return self.send({"type": "IntentRequest", "intent": {"name": name, "confirmationStatus": "NONE",
                                                              "slots": slot_objects}}, context)

    def say(self, text: str) -> dict[str, Any]:
        """Free text, as Alexa sends it through the catch-all intent."""
        return self.intent("CatchAllIntent", {"text": text})


@pytest.fixture
def voice_app_config(running_stack: RunningStack) -> dict[str, Any]:
    """Explicit test configuration: verification off, Rasa from the running stack."""
    return {"TESTING": True, "VERIFY_REQUESTS": False, "RASA_URL": running_stack.rasa_url}


@pytest.fixture
def voice_client(voice_app_config: dict[str, Any]) -> FlaskClient:
    return create_app(voice_app_config).test_client()


@pytest.fixture
def conversation(voice_client: FlaskClient) -> VoiceConversation:
    return VoiceConversation(voice_client, load_fixture("intent_request_with_slot.home_assistant.json"))


class FakeAmazonApi:
    """A real HTTP server on 127.0.0.1 standing in for Amazon's Device Address API."""

    def __init__(self, postal_code: str = "FB1 2AA", status: int = 200) -> None:
        self.postal_code, self.status = postal_code, status
        self.calls: list[tuple[str, str | None]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                api.calls.append((self.path, self.headers.get("Authorization")))
                body = json.dumps({"countryCode": "GB", "postalCode": api.postal_code}).encode()
                self.send_response(api.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAmazonApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_amazon_api() -> Iterator[FakeAmazonApi]:
    with FakeAmazonApi() as api:
        yield api
