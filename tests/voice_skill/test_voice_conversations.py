"""Voice conversations end to end: the Flask skill, Rasa's voice channel, the action server and the backend."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import RunningStack
from tests.voice_skill.conftest import FakeAmazonApi, VoiceConversation, load_fixture, reprompt, speech
from voice_skill.app import create_app
from voice_skill.skill import ADDRESS_PERMISSION, DEFAULT_DEVICE_API_ORIGINS


def consent_context(api_origin: str, token: str | None = "test-access-token") -> dict[str, Any]:
    """The Device Address context of a resident who granted the postcode permission."""
    context = copy.deepcopy(load_fixture("intent_request_consent_token.alexa_app.json")["context"])
    context["System"]["apiEndpoint"] = api_origin
    if token:
        context["System"]["apiAccessToken"] = token
    return context


def test_bin_day_by_voice_postcode_then_address_number_then_dates_then_yes(conversation: VoiceConversation) -> None:
    welcome = conversation.launch()
    assert "What can I help you with?" in speech(welcome)

    asked = conversation.intent("bin_collection_day")
    assert speech(asked) == "<speak>What&apos;s the postcode of the property?</speak>"
    assert reprompt(asked) == "<speak>What&apos;s the postcode of the property?</speak>"
    assert conversation.attributes["last_question"] == "What's the postcode of the property?"
    assert asked["response"]["card"]["type"] == "AskForPermissionsConsent"  # no consent: ask for it

    addresses = conversation.say("FB1 2AA")
    assert speech(addresses).startswith("<speak>Which address is it? Say one for 1 Mill Lane, Fernbridge, two for "
                                        "3 Mill Lane, Fernbridge")
    assert [b["title"] for b in conversation.attributes["buttons"]][:2] == ["1 Mill Lane, Fernbridge",
                                                                            "3 Mill Lane, Fernbridge"]
    assert len(conversation.attributes["buttons"]) == 6

    dates = conversation.say("one")
    spoken = speech(dates)
    first_sentence = spoken.removeprefix("<speak>").split(". ")[0]
    # The stack's clock is Wednesday 2 December 2026, 10:00 (tests/conftest.py): Mill Lane's round is today.
    assert first_sentence == "Your black rubbish bin is next collected today, Wednesday 2 December"
    assert len(first_sentence.split()) <= 25
    assert "blue recycling bin is next collected Wednesday 9 December" in spoken
    assert spoken.endswith("Is there anything else I can help with?</speak>")
    assert conversation.attributes["buttons"] == []
    assert conversation.attributes["follow_up"] is True

    more = conversation.intent("AMAZON.YesIntent")
    assert "What would you like to do?" in speech(more)
    assert more["response"]["shouldEndSession"] is False
    assert "follow_up" not in conversation.attributes


def test_no_to_anything_else_says_goodbye_and_ends_the_session(conversation: VoiceConversation) -> None:
    conversation.intent("recycling_centre_hours", {"place": "Riverside Recycling Centre"})
    assert conversation.attributes.get("follow_up") is True
    done = conversation.intent("AMAZON.NoIntent")
    assert "Goodbye" in speech(done)
    assert done["response"]["shouldEndSession"] is True


def test_device_postcode_with_consent_skips_the_postcode_question(
    voice_app_config: dict[str, Any], fake_amazon_api: FakeAmazonApi
) -> None:
    # The fake Amazon is allowed only by this explicit configuration.
    config = {**voice_app_config, "DEVICE_API_ORIGINS": [*DEFAULT_DEVICE_API_ORIGINS, fake_amazon_api.origin]}
    conversation = VoiceConversation(create_app(config).test_client(),
                                     load_fixture("intent_request_with_slot.home_assistant.json"))
    body = conversation.intent("bin_collection_day", context=consent_context(fake_amazon_api.origin))
    assert speech(body).startswith("<speak>Which address is it? Say one for 1 Mill Lane, Fernbridge")
    assert "postcode" not in speech(body)
    assert "card" not in body["response"]
    assert fake_amazon_api.calls == [("/v1/devices/MyDeviceId/settings/address/countryAndPostalCode",
                                      "Bearer test-access-token")]


def test_device_api_host_not_on_the_allow_list_is_never_called(
    voice_client: FlaskClient, fake_amazon_api: FakeAmazonApi
) -> None:
    conversation = VoiceConversation(voice_client, load_fixture("intent_request_with_slot.home_assistant.json"))
    body = conversation.intent("bin_collection_day", context=consent_context(fake_amazon_api.origin))
    assert speech(body) == "<speak>What&apos;s the postcode of the property?</speak>"
    assert fake_amazon_api.calls == []


def test_without_address_permission_asks_postcode_and_sends_permissions_card(conversation: VoiceConversation) -> None:
    body = conversation.intent("council_tax_band")
    assert "postcode" in speech(body)
    assert body["response"]["card"] == {"type": "AskForPermissionsConsent", "permissions": [ADDRESS_PERMISSION]}


def test_stop_at_any_point_leaves_the_form_and_ends_the_session(
    conversation: VoiceConversation, running_stack: RunningStack
) -> None:
    conversation.intent("report_missed_bin")
    body = conversation.intent("AMAZON.StopIntent")
    assert speech(body) == "<speak>Goodbye, and thanks for contacting Fernbridge Borough Council.</speak>"
    assert body["response"]["shouldEndSession"] is True
    assert not (running_stack.tracker(conversation.conversation_id).get("active_loop") or {}).get("name")


def test_cancel_ends_the_session_with_a_goodbye(conversation: VoiceConversation) -> None:
    conversation.launch()
    body = conversation.intent("AMAZON.CancelIntent")
    assert "Goodbye" in speech(body) and body["response"]["shouldEndSession"] is True


def test_help_gives_the_spoken_help(conversation: VoiceConversation) -> None:
    body = conversation.intent("AMAZON.HelpIntent")
    assert speech(body).startswith("<speak>I can find your bin day, report a missed bin")
    assert reprompt(body) == "<speak>What would you like to do?</speak>"


def test_start_over_restarts_the_conversation_and_greets(
    conversation: VoiceConversation, running_stack: RunningStack
) -> None:
    conversation.intent("bin_collection_day")
    conversation.say("FB1 2AA")
    assert conversation.attributes["buttons"]
    body = conversation.intent("AMAZON.StartOverIntent")
    assert "What can I help you with?" in speech(body)
    assert conversation.attributes["buttons"] == []
    assert not (running_stack.tracker(conversation.conversation_id).get("active_loop") or {}).get("name")


def test_silence_is_reprompted_with_the_last_question(conversation: VoiceConversation) -> None:
    body = conversation.intent("report_missed_bin")
    assert reprompt(body) == "<speak>What&apos;s the postcode of the property?</speak>"
    assert body["response"]["shouldEndSession"] is False


def test_fallback_intent_is_answered_in_speech(conversation: VoiceConversation) -> None:
    body = conversation.intent("AMAZON.FallbackIntent")
    assert "Sorry, I can&apos;t help with that." in speech(body)


@pytest.mark.parametrize("slots, route_words", [
    ({"text": "my neighbour is hitting his kids"}, "safeguarding"),
    ({"text": "i have nowhere to sleep tonight"}, "nowhere safe to sleep"),
    ({"i_want_to": "end it all"}, "Samaritans"),
    ({"my_partner": "hits me"}, "Domestic Abuse Helpline"),
    ({"text": "water is coming into the house"}, "Floodline"),
])
def test_urgent_words_in_answer_to_a_question_take_the_urgent_route_by_voice(
    conversation: VoiceConversation, slots: dict[str, str], route_words: str
) -> None:
    asked = conversation.intent("report_missed_bin")
    assert "postcode" in speech(asked)
    body = conversation.intent("CatchAllIntent", slots)
    assert route_words in speech(body)
    assert '<say-as interpret-as="telephone">' in speech(body)
    assert "Thanks" not in speech(body)


def test_urgent_route_comes_first_by_voice(conversation: VoiceConversation) -> None:
    conversation.intent("bin_collection_day")
    body = conversation.say("I can smell gas in my kitchen")
    assert speech(body).startswith("<speak>") and "999" in speech(body).split(".")[0]


def test_answer_with_a_link_puts_it_on_a_card(conversation: VoiceConversation) -> None:
    body = conversation.intent("council_tax_pay")
    assert "https://" not in speech(body)
    card = body["response"]["card"]
    assert card["type"] == "Simple" and "https://www.fernbridge.gov.example/council-tax/pay" in card["content"]


@pytest.mark.parametrize("intent, slots, expected", [
    ("report_status", {"reference": "10231"}, "Report 1 0 2 3 1 is"),
    ("library_opening_hours", {"place": "Central Library"}, "Central Library"),
    ("what_goes_in_bin", {"item": "pizza box"}, "izza"),
    ("contact_council", {"department": "housing"}, "01632"),
    ("human_handover", {}, ""),
])
def test_catalogue_questions_are_answered_by_voice(
    conversation: VoiceConversation, intent: str, slots: dict[str, str], expected: str
) -> None:
    body = conversation.intent(intent, slots)
    assert expected in speech(body)
    assert body["response"]["shouldEndSession"] is False and reprompt(body)


def test_rasa_down_still_answers_in_speech() -> None:
    client = create_app({"VERIFY_REQUESTS": False, "RASA_URL": "http://127.0.0.1:9", "RASA_TIMEOUT": 1}).test_client()
    conversation = VoiceConversation(client, load_fixture("intent_request_with_slot.home_assistant.json"))
    body = conversation.launch()
    said = speech(body)
    assert said.startswith("<speak>Sorry, something went wrong") and "01632 960000" in said


def test_bare_postcode_answer_as_words_continues_the_form(conversation: VoiceConversation) -> None:
    conversation.intent("bin_collection_day")
    body = conversation.say("f b three seven q e")
    assert speech(body).startswith("<speak>Which address is it? Say one for 2 Orchard Close, Fernbridge")
    dates = conversation.intent("SelectOptionIntent", {"option": "2"})
    assert "next collected" in speech(dates).split(".")[0]


def test_device_api_refusing_permission_asks_postcode_and_sends_permissions_card(
    voice_app_config: dict[str, Any]
) -> None:
    with FakeAmazonApi(status=403) as api:
        config = {**voice_app_config, "DEVICE_API_ORIGINS": [api.origin]}
        conversation = VoiceConversation(create_app(config).test_client(),
                                         load_fixture("intent_request_with_slot.home_assistant.json"))
        body = conversation.intent("report_missed_bin", context=consent_context(api.origin))
        assert len(api.calls) == 1
    assert "postcode" in speech(body)
    assert body["response"]["card"]["type"] == "AskForPermissionsConsent"


def test_postcode_spelt_out_letter_by_letter_is_understood(conversation: VoiceConversation) -> None:
    conversation.intent("bin_collection_day")
    body = conversation.say("f b four nine h x")
    assert speech(body).startswith("<speak>Which address is it? Say one for 1 Church Street")
