"""Shared fixtures: the trained model and the whole stack started as real processes on free ports."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from local_stack.services import FIXED_NOW, ROOT, Service, Stack, embedded_stack, free_port

API_KEY = "test-key-not-a-secret"
ANSWER_SECONDS = 5.0  # a resident's wait for an answer or an apology, whatever part fails (issue 12)


# The fast tier (`make test-fast`, `pytest -m "not needs_stack"`) leaves out every test that needs a trained
# model, starts a service or a browser, or talks to PostgreSQL, Redis or RabbitMQ: marked here by what it
# uses, so a new test lands in the right tier without anyone remembering to mark it.
STACK_FIXTURES = frozenset({"model_path", "running_stack", "backend", "browser"})
STACK_MODULES = frozenset({"test_page_in_browser.py", "test_console_in_browser.py", "test_rasa_project.py",
                           "test_tf_loading.py", "test_supervisor.py", "test_action_server.py"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need a model, a service or a browser as ``needs_stack``."""
    for item in items:
        if (STACK_FIXTURES & set(getattr(item, "fixturenames", ())) or item.path.name in STACK_MODULES
                or item.get_closest_marker("scale_out")):
            item.add_marker(pytest.mark.needs_stack)


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
    # Rasa's HTTP API token, made for this stack as `make run` makes one per run
    rasa_token: str = ""

    @property
    def api(self) -> dict[str, str]:
        """The query parameters every call to Rasa's HTTP API needs (``?token=``)."""
        return {"token": self.rasa_token}

    def say(self, sender: str, text: str, timeout: float = 30) -> list[dict]:
        """Send one resident message through the REST channel; return Rasa's messages."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        """The conversation's tracker from Rasa's HTTP API."""
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", params=self.api, timeout=10)
        response.raise_for_status()
        return response.json()

    def service(self, name: str) -> Service:
        """One process of the stack."""
        return self.stack.by_name(name)


def start_stack(model_path: Path, work: Path, council_profile: str | None = None) -> RunningStack:
    """The backend and action server on one fixed clock, temporary SQLite, and Rasa (``local_stack``'s).

    ``council_profile`` names the council the stack speaks for (``COUNCIL_PROFILE``); the caller stops the stack
    with ``RunningStack.stack.stop()``.
    """
    page_port = free_port()
    started = embedded_stack(model_path, work, API_KEY, now=FIXED_NOW, council_profile=council_profile,
                             rasa_env={"WIDGET_EXTRA_ORIGINS": f"http://127.0.0.1:{page_port}"})
    return RunningStack(started.stack, started.rasa_url, started.actions_url, started.backend_url,
                        tracker_db_url=started.tracker_db_url, page_port=page_port, rasa_token=started.rasa_token)


@pytest.fixture(scope="session")
def running_stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The stack every integration test shares (Fernbridge, the default profile)."""
    running = start_stack(model_path, tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.stack.stop()


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
