"""Alexa intents and slots -> Rasa messages; "one"/"the second one" -> the remembered button's payload."""

from __future__ import annotations

import json

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from tests.voice_skill.conftest import load_fixture
from voice_skill.skill import (
    choice_index,
    chosen_payload,
    intent_payload,
    load_catalogue,
    slot_values,
    spoken_postcode,
)


def envelope(name: str) -> RequestEnvelope:
    return DefaultSerializer().deserialize(json.dumps(load_fixture(name)), RequestEnvelope)


def test_resolved_slot_uses_the_entity_resolution_value_name() -> None:
    fixture = load_fixture("intent_request_slot_resolution_match.jovo.json")
    fixture["request"]["intent"]["slots"]["name"]["value"] = "jeffrey"  # heard differently from the canonical name
    parsed = DefaultSerializer().deserialize(json.dumps(fixture), RequestEnvelope)
    assert slot_values(parsed.request.intent) == {"name": "Jeff"}


def test_unresolved_slot_falls_back_to_the_raw_value() -> None:
    parsed = envelope("intent_request_slot_resolution_no_match.jovo.json")
    fixture = load_fixture("intent_request_slot_resolution_no_match.jovo.json")
    raw = fixture["request"]["intent"]["slots"]["name"]["value"]
    assert slot_values(parsed.request.intent) == {"name": raw}


def test_slot_without_value_is_left_out() -> None:
    assert slot_values(envelope("intent_request_slot_without_value.home_assistant.json").request.intent) == {}
    assert slot_values(envelope("dialog_delegate_request.jovo.json").request.intent) == {}


def test_intent_payload_carries_entities_as_json() -> None:
    assert intent_payload("bin_collection_day", {"postcode": "FB1 2AA"}) == '/bin_collection_day{"postcode": "FB1 2AA"}'
    assert intent_payload("help") == "/help"


def test_spoken_numbers_pick_a_button() -> None:
    buttons = [{"title": "1 Mill Lane", "payload": "/a"}, {"title": "3 Mill Lane", "payload": "/b"}]
    assert chosen_payload("one", buttons) == "/a"
    assert chosen_payload("the second one", buttons) == "/b"
    assert chosen_payload("2", buttons) == "/b"
    assert chosen_payload("option two", buttons) == "/b"
    assert chosen_payload("three", buttons) is None  # no third button: the words go to Rasa
    assert chosen_payload("number 5", buttons) is None  # a house number, not a choice
    assert chosen_payload("FB1 2AA", buttons) is None
    assert choice_index("first") == 0 and choice_index("zero") is None


def test_catalogue_holds_the_council_intents_not_built_ins() -> None:
    catalogue = load_catalogue()
    assert {"bin_collection_day", "report_missed_bin", "council_tax_band"} <= catalogue
    assert "inform" not in catalogue  # bare answers reach Rasa as words through the catch-all
    assert not any(name.startswith("AMAZON.") for name in catalogue)
    assert "CatchAllIntent" not in catalogue


def test_postcodes_as_alexa_hears_them_are_written_as_postcodes() -> None:
    assert spoken_postcode("f b one two a a") == "FB1 2AA"
    assert spoken_postcode("F. B. 3 7 Q. E.") == "FB3 7QE"
    assert spoken_postcode("fb four nine h x") == "FB4 9HX"
    assert spoken_postcode("f b one two double a") == "FB1 2AA"
    assert spoken_postcode("my postcode is fb1 2aa") == "FB1 2AA"
    assert spoken_postcode("FB1 2AA") == "FB1 2AA"
    assert spoken_postcode("one") is None
    assert spoken_postcode("the pothole is on mill lane") is None
