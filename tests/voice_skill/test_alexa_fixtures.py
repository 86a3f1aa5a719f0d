"""Every recorded Alexa envelope in the shared fixtures, replayed through the skill against the running stack."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from tests.conftest import RunningStack
from tests.voice_skill.conftest import FIXTURES, load_fixture, reprompt, speech, wrap_bare_request

ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.json"))


def post(client: FlaskClient, envelope: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/alexa", json=envelope)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def last_user_text(running_stack: RunningStack, conversation_id: str) -> str:
    events = running_stack.tracker(conversation_id)["events"]
    return [e for e in events if e["event"] == "user"][-1]["text"]


def test_every_fixture_is_replayed_here() -> None:
    assert len(ALL_FIXTURES) == 10, ALL_FIXTURES


@pytest.mark.parametrize("name", ["launch_request.jovo.json", "launch_request.home_assistant.json"])
def test_launch_request_gets_the_short_spoken_welcome(voice_client: FlaskClient, name: str) -> None:
    envelope = load_fixture(name)
    body = post(voice_client, envelope)
    assert speech(body) == ("<speak>Hello, I&apos;m the Fernbridge Borough Council assistant. What can I help you "
                            "with? For example, your bin day, or reporting a pothole.</speak>")
    assert reprompt(body) == "<speak>What can I help you with?</speak>"
    assert body["response"]["shouldEndSession"] is False
    attributes = body["sessionAttributes"]
    assert attributes["conversation_id"] == f"alexa-{envelope['session']['sessionId']}"
    assert attributes["last_question"] == "What can I help you with?"
    assert attributes["buttons"] == []


@pytest.mark.parametrize("name", ["intent_request_slot_resolution_match.jovo.json",
                                  "intent_request_slot_resolution_no_match.jovo.json"])
def test_unknown_intent_with_a_slot_sends_the_words_and_answers_in_speech(
    voice_client: FlaskClient, running_stack: RunningStack, name: str
) -> None:
    envelope = load_fixture(name)  # another skill's MyNameIsIntent: unknown here
    body = post(voice_client, envelope)
    assert speech(body).startswith("<speak>") and len(speech(body)) > len("<speak></speak>")
    assert body["response"]["shouldEndSession"] is False
    assert body["sessionAttributes"]["_JOVO_STATE_"] == "NameState"  # the session's own attributes survive
    assert last_user_text(running_stack, f"alexa-{envelope['session']['sessionId']}") == "Jeff"


def test_catalogue_intent_with_resolved_and_unresolved_slots_becomes_a_rasa_intent_payload(
    voice_client: FlaskClient, running_stack: RunningStack
) -> None:
    envelope = load_fixture("intent_request_slot_resolution_match.jovo.json")
    envelope["session"]["sessionId"] += "-catalogue"
    envelope["request"]["locale"] = "en-GB"
    slots = envelope["request"]["intent"]["slots"]
    resolved = slots.pop("name")
    resolved.update(name="bin_type", value="brown bin")
    resolved["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"] = {"name": "garden", "id": "garden"}
    unresolved = load_fixture("intent_request_slot_resolution_no_match.jovo.json")["request"]["intent"]["slots"]["name"]
    unresolved.update(name="postcode", value="FB1 2AA")
    envelope["request"]["intent"] = {"name": "bin_collection_day", "confirmationStatus": "NONE",
                                     "slots": {"bin_type": resolved, "postcode": unresolved}}
    body = post(voice_client, envelope)
    assert last_user_text(running_stack, f"alexa-{envelope['session']['sessionId']}") == (
        '/bin_collection_day{"bin_type": "garden", "postcode": "FB1 2AA"}')
    assert "Which address is it? Say one for 1 Mill Lane, Fernbridge" in speech(body)
    assert body["sessionAttributes"]["buttons"][0] == {"title": "1 Mill Lane, Fernbridge",
                                                      "payload": '/inform{"uprn": "100090000001"}'}
    assert "card" not in body["response"]  # a postcode was given: no permission card needed


def test_dialog_delegate_request_with_empty_slot_gets_spoken_help(voice_client: FlaskClient) -> None:
    body = post(voice_client, load_fixture("dialog_delegate_request.jovo.json"))
    assert "Sorry, I can&apos;t help with that." in speech(body)
    assert body["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("name", ["intent_request_with_slot.home_assistant.json",
                                  "intent_request_slot_without_value.home_assistant.json"])
def test_home_assistant_intents_are_unknown_here_but_answered_in_speech(voice_client: FlaskClient, name: str) -> None:
    envelope = load_fixture(name)
    body = post(voice_client, envelope)
    assert speech(body) and reprompt(body)
    assert body["response"]["shouldEndSession"] is False
    for key, value in (envelope["session"].get("attributes") or {}).items():
        assert body["sessionAttributes"][key] == value


def test_consent_token_envelope_for_another_intent_never_calls_amazon(
    voice_client: FlaskClient, running_stack: RunningStack
) -> None:
    envelope = load_fixture("intent_request_consent_token.alexa_app.json")  # airportInfoIntent, no locale
    body = post(voice_client, envelope)
    assert speech(body)
    assert last_user_text(running_stack, f"alexa-{envelope['session']['sessionId']}") == "JFK"


def test_consent_without_api_access_token_asks_for_the_postcode(voice_client: FlaskClient) -> None:
    envelope = load_fixture("intent_request_consent_token.alexa_app.json")
    envelope["session"]["sessionId"] += "-bins"
    envelope["request"]["intent"] = {"name": "bin_collection_day", "slots": {}}
    body = post(voice_client, envelope)
    assert speech(body) == "<speak>What&apos;s the postcode of the property?</speak>"
    assert "card" not in body["response"]  # consent was given; only the token is missing


def test_session_ended_with_error_is_acknowledged_without_speech(voice_client: FlaskClient) -> None:
    # The Java SDK fixture is a bare `request` object; Alexa always wraps it in an envelope, so the test does too.
    envelope = wrap_bare_request(load_fixture("session_ended_request_error.alexa_java_sdk.json"))
    body = post(voice_client, envelope)
    assert "outputSpeech" not in body["response"] and "reprompt" not in body["response"]


def test_user_initiated_session_end_restarts_the_conversation(
    voice_client: FlaskClient, running_stack: RunningStack
) -> None:
    envelope = load_fixture("session_ended_user_initiated.home_assistant.json")
    body = post(voice_client, envelope)
    assert "outputSpeech" not in body["response"]
    tracker = requests.get(f"{running_stack.rasa_url}/conversations/alexa-{envelope['session']['sessionId']}"
                           "/tracker", params={**running_stack.api, "include_events": "ALL"}, timeout=10).json()
    assert any(e["event"] == "restart" for e in tracker["events"])
