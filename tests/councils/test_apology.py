"""The apology: its words per channel, and the guard that makes a Rasa channel say it rather than nothing."""

from __future__ import annotations

import asyncio

from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from councils import load_profile
from councils.apology import always_answer, apology, install_action_fallback
from tests.conftest import free_port
from voice_skill.rasa_channel import VoiceOutput


def test_apology_carries_the_councils_name_and_phone_from_its_profile() -> None:
    for name in ("fernbridge", "wrenfield"):
        council = load_profile(name)
        said = apology("rest", council)
        assert council.phone in said and council.name in said


def test_voice_hears_its_own_shorter_words() -> None:
    council = load_profile("fernbridge")
    spoken, written = apology("voice", council), apology("socketio", council)
    assert spoken != written and council.phone in spoken and len(spoken) < len(written)


def _turn(handler, output) -> list[dict]:
    asyncio.run(always_answer(handler)(UserMessage("hello", output, "resident-1")))
    return output.messages


def test_a_turn_that_says_nothing_ends_with_the_apology_in_the_channels_words() -> None:
    async def silent(message: UserMessage) -> None:
        return None

    assert _turn(silent, CollectingOutputChannel()) == [
        {"recipient_id": "resident-1", "text": apology("collector")}
    ]
    assert _turn(silent, VoiceOutput())[0]["text"] == apology("voice")


def test_a_turn_that_raises_ends_with_the_apology() -> None:
    async def failing(message: UserMessage) -> None:
        raise ConnectionRefusedError("action server")

    assert [m["text"] for m in _turn(failing, CollectingOutputChannel())] == [apology("collector")]


def test_a_turn_that_answered_is_left_alone() -> None:
    async def answering(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Your bin day is Wednesday."})

    assert [m["text"] for m in _turn(answering, CollectingOutputChannel())] == ["Your bin day is Wednesday."]


def _closed_action(name: str) -> RemoteAction:
    """A custom action whose action server is not there (connection refused), as while it restarts."""
    install_action_fallback()
    return RemoteAction(name, EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))


def _run_remote(name: str, tracker: DialogueStateTracker, output: CollectingOutputChannel) -> list:
    return asyncio.run(_closed_action(name).run(output, None, tracker, Domain.empty()))


def test_an_action_the_action_server_cannot_run_says_the_apology_in_the_channels_words() -> None:
    events = _run_remote("action_contact_council", DialogueStateTracker("resident-1", []), VoiceOutput())
    assert [(type(e), e.text) for e in events] == [(BotUttered, apology("voice"))]


def test_a_form_validation_that_cannot_run_drops_the_unchecked_values_and_ends_the_form() -> None:
    tracker = DialogueStateTracker.from_events("resident-1", [SlotSet("postcode", "FB1 2AA"), SlotSet("uprn", "1")])
    events = _run_remote("validate_bin_day_form", tracker, CollectingOutputChannel())
    assert isinstance(events[0], BotUttered)
    assert events[1:] == [SlotSet("uprn", None), SlotSet("postcode", None), SlotSet("requested_slot", None)]


def test_session_start_that_cannot_run_starts_the_session_without_an_apology() -> None:
    events = _run_remote("action_session_start", DialogueStateTracker("resident-1", []), CollectingOutputChannel())
    assert isinstance(events[0], SessionStarted) and events[-1] == ActionExecuted("action_listen")
    assert not any(isinstance(event, BotUttered) for event in events)


def test_the_apology_is_said_once_a_turn_however_many_actions_fail() -> None:
    async def two_failing_actions(message: UserMessage) -> None:
        tracker = DialogueStateTracker("resident-1", [])
        for name in ("action_submit_problem_report", "action_ask_contact_details"):
            for event in await _closed_action(name).run(message.output_channel, None, tracker, Domain.empty()):
                if isinstance(event, BotUttered):
                    await message.output_channel.send_response(message.sender_id, {"text": event.text})

    assert [m["text"] for m in _turn(two_failing_actions, CollectingOutputChannel())] == [apology("collector")]
