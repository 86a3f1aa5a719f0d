"""Shared fixtures: the trained model and the whole stack started as real processes on free ports."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from local_stack.services import ROOT, Service, Stack, actions_service, backend_service, rasa_service

# A Wednesday morning: FB1 2AA's rounds make this a collection day still in progress, while
# other bins were collected on the days before (see council_backend/seed/waste.yml).
FIXED_NOW = "2026-12-02T10:00:00"
API_KEY = "test-key-not-a-secret"


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model `make test` trained; the suite fails loudly without one rather than skipping."""
    configured = os.environ.get("COUNCIL_MODEL")
    if configured and Path(configured).exists():
        return Path(configured)
    models = sorted((ROOT / "models").glob("council-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("No trained model in models/: run the tests with `make test`, which trains one first.")
    return models[-1]


@dataclass
class RunningStack:
    """URLs of the running stack and a way to talk to Rasa as a resident."""

    stack: Stack
    rasa_url: str
    actions_url: str
    backend_url: str
    tracker_db_url: str = ""
    # a loopback port whose origin Rasa's socket.io channel accepts, for host pages in the browser tests
    page_port: int = 0

    def say(self, sender: str, text: str, timeout: float = 30) -> list[dict]:
        """Send one resident message through the REST channel; return Rasa's messages."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker from Rasa's HTTP API."""
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=10)
        response.raise_for_status()
        return response.json()

    def service(self, name: str) -> Service:
        """One process of the stack."""
        return self.stack.by_name(name)


@pytest.fixture(scope="session")
def running_stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Backend (fixed clock, temporary SQLite), action server and Rasa, each a real process."""
    work = tmp_path_factory.mktemp("stack")
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {work / 'tracker.db'}\n"
        "lock_store:\n  type: in_memory\n"
    )
    backend_port, actions_port, rasa_port, page_port = free_port(), free_port(), free_port(), free_port()
    backend_url = f"http://127.0.0.1:{backend_port}"
    stack = Stack(
        [
            backend_service(backend_port, API_KEY, db_url=f"sqlite:///{work / 'backend.db'}", now=FIXED_NOW),
            actions_service(actions_port, backend_url, API_KEY),
            rasa_service(rasa_port, model_path, actions_port, endpoints=str(endpoints),
                         extra_env={"WIDGET_EXTRA_ORIGINS": f"http://127.0.0.1:{page_port}"}),
        ],
        log_dir=work / "logs",
    )
    stack.start()
    try:
        yield RunningStack(stack, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", backend_url,
                           tracker_db_url=f"sqlite:///{work / 'tracker.db'}", page_port=page_port)
    finally:
        stack.stop()


@pytest.fixture
def sender() -> str:
    """A fresh conversation id per test."""
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(messages: list[dict]) -> str:
    """All of Rasa's message texts for a turn, joined, for assertions on content."""
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: list[dict]) -> list[dict]:
    """All buttons offered in a turn."""
    return [button for m in messages for button in m.get("buttons", [])]
