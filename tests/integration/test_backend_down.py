"""The council's systems are down: the bot says so politely, quickly, and the conversation goes on."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import RunningStack, texts


@pytest.fixture
def backend_down(running_stack: RunningStack) -> Iterator[RunningStack]:
    """Stop the backend process for one test, then start it again for the tests after."""
    backend = running_stack.service("backend")
    backend.stop()
    try:
        yield running_stack
    finally:
        backend.start(backend.log_path.parent)
        backend.wait_ready()


def test_bin_day_with_backend_down_apologises_and_conversation_goes_on(backend_down: RunningStack, sender: str) -> None:
    backend_down.say(sender, "when is my bin day")
    started = time.monotonic()
    reply = texts(backend_down.say(sender, "FB1 2AA"))
    elapsed = time.monotonic() - started
    assert "can't reach our address system" in reply
    assert "01632 960000" in reply  # the council's phone number, from the profile, not the backend
    assert not (backend_down.tracker(sender).get("active_loop") or {}).get("name")
    print(f"apology after {elapsed:.2f}s")  # the bound itself is the connectors' timeout (<= 3 s), tested there
    assert "Hello" in texts(backend_down.say(sender, "hello"))


def test_information_and_urgent_answers_do_not_need_the_backend(backend_down: RunningStack, sender: str) -> None:
    assert "Direct Debit" in texts(backend_down.say(sender, "how can I pay council tax"))
    assert "999" in backend_down.say(sender, "there's a gas leak in my street")[0]["text"]


def test_report_status_with_backend_down_apologises(backend_down: RunningStack, sender: str) -> None:
    reply = texts(backend_down.say(sender, "what's happening with report 10231"))
    assert "can't reach our street reporting system" in reply
