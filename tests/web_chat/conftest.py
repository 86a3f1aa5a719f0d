"""Fixtures for the chat page tests: a fake Rasa on a real loopback port and a port nobody listens on."""

from __future__ import annotations

import socket

import pytest

from tests.web_chat.fake_rasa import FakeRasa
from web_chat.server import WebChatSettings, create_app


@pytest.fixture
def fake_rasa():
    server = FakeRasa(slow_seconds=2.0).start()
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def client(fake_rasa):
    app = create_app(WebChatSettings(rasa_url=fake_rasa.url, rasa_timeout=1.0))
    app.testing = True
    return app.test_client()
