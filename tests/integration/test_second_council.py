"""A second council is a second profile file: the chat page and a conversation speak for Wrenfield, not Fernbridge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from councils import load_profile
from local_stack.services import Stack, chat_service
from tests.conftest import RunningStack, free_port, start_stack, texts

PROFILE = "wrenfield"


@pytest.fixture(scope="module")
def wrenfield(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, str]]:
    """Backend, actions and Rasa, with the action server and the chat page (real processes) set to Wrenfield."""
    work = tmp_path_factory.mktemp("wrenfield")
    running = start_stack(model_path, work, council_profile=PROFILE)
    chat_port = free_port()
    chat = chat_service(chat_port, running.rasa_url)
    chat.env["COUNCIL_PROFILE"] = PROFILE
    page = Stack([chat], log_dir=work / "logs")
    try:
        page.start()
        yield running, f"http://127.0.0.1:{chat_port}"
    finally:
        page.stop()
        running.stack.stop()


def test_the_chat_page_names_the_council_of_its_profile(wrenfield):
    _, page = wrenfield
    config = requests.get(f"{page}/config.json", timeout=10).json()
    assert config["councilName"] == "Wrenfield District Council" == load_profile(PROFILE).name
    assert "Fernbridge" not in requests.get(f"{page}/", timeout=10).text


def test_a_conversation_through_the_chat_page_speaks_for_the_second_council(wrenfield):
    _, page = wrenfield

    def say(text: str) -> str:
        answer = requests.post(f"{page}/api/message", json={"sender": "wrenfield-1", "message": text}, timeout=60)
        answer.raise_for_status()
        return texts(answer.json())

    assert "Wrenfield District Council assistant" in say("hello")
    say("when is my bin day")
    say("FB1 2AA")
    answer = say('/inform{"uprn": "100090000001"}')
    # Wrenfield's own bin names, on the stack's fixed clock (Wednesday 2 December 2026)
    assert "grey wheelie bin" in answer.lower() and "today (Wednesday 2 December)" in answer
    assert "black rubbish bin" not in answer.lower()
    assert "Fernbridge Borough Council" not in say("are you a bot")
