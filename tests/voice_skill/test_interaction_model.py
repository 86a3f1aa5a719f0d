"""The generated Alexa interaction model: valid JSON, within Alexa's limits, in step with nlu_data/."""

from __future__ import annotations

import json

import pytest

from voice_skill import interaction_model as im


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(im.MODEL_PATH.read_text())


def test_committed_model_is_valid_json_and_matches_nlu_data(committed: dict) -> None:
    assert im.MODEL_PATH.read_text() == im.dumps(im.generate()), (
        "the interaction model drifted from nlu_data/: run `python -m voice_skill.interaction_model`"
    )


def test_check_command_passes_on_the_committed_model() -> None:
    assert im.main(["--check"]) == 0


def test_committed_model_is_within_alexa_limits(committed: dict) -> None:
    assert im.check_limits(committed) == []


def test_every_catalogue_intent_is_covered(committed: dict) -> None:
    intents = {i["name"]: i for i in committed["interactionModel"]["languageModel"]["intents"]}
    for intent in im.read_nlu().examples:
        if intent in im.EXCLUDED_INTENTS:
            continue
        name = im.BUILT_IN_FOR.get(intent, intent)
        assert name in intents, f"{intent} is missing from the interaction model"
        if not name.startswith("AMAZON."):
            assert intents[name]["samples"], f"{intent} has no samples"
    for built_in in ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.FallbackIntent",
                     "AMAZON.StartOverIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"):
        assert built_in in intents


def test_invocation_name_comes_from_the_council_profile(committed: dict) -> None:
    assert committed["interactionModel"]["languageModel"]["invocationName"] == "fernbridge council"


def test_entity_annotations_become_slots_and_synonyms_become_slot_values(committed: dict) -> None:
    language = committed["interactionModel"]["languageModel"]
    bin_day = next(i for i in language["intents"] if i["name"] == "bin_collection_day")
    assert "bin day for {postcode}" in bin_day["samples"]
    assert {"name": "postcode", "type": "POSTCODE"} in bin_day["slots"]
    bin_types = next(t for t in language["types"] if t["name"] == "BIN_TYPE")
    garden = next(v for v in bin_types["values"] if v["name"]["value"] == "garden")
    assert "brown bin" in garden["name"]["synonyms"]
    postcodes = next(t for t in language["types"] if t["name"] == "POSTCODE")
    assert "FB1 2AA" in {v["name"]["value"] for v in postcodes["values"]}


def test_samples_alexa_would_reject_are_dropped() -> None:
    assert im.to_utterance("status of report 10231") is None  # digits must be spelled out
    assert im.to_utterance("bins this week, [grey](bin_type) or [blue](bin_type)?") is None  # slot twice
    assert im.to_utterance("bin day for [FB1 2AA](postcode)?") == ("bin day for {postcode}", ["postcode"])
    assert im.to_utterance("when's my [black bin](bin_type) day!") == ("when's my {bin_type} day", ["bin_type"])


def test_limit_checks_catch_bad_models(committed: dict) -> None:
    bad = json.loads(json.dumps(committed))
    language = bad["interactionModel"]["languageModel"]
    language["invocationName"] = "open fernbridge"
    language["intents"][0]["samples"].append("call 01632 960000")
    language["intents"][0]["samples"].append("x" * 201)
    language["intents"][0]["slots"].append({"name": "bad-name", "type": "POSTCODE"})
    language["intents"].append({"name": "Empty", "samples": []})
    problems = "\n".join(im.check_limits(bad))
    assert "launch, connecting or wake word" in problems
    assert "characters Alexa rejects" in problems
    assert "over 200 characters" in problems
    assert "slot 'bad-name'" in problems
    assert "intent Empty: has no sample utterances" in problems
    one_word = json.loads(json.dumps(committed))
    one_word["interactionModel"]["languageModel"]["invocationName"] = "fernbridge"
    assert any("two words" in p for p in im.check_limits(one_word))


def test_skill_manifest_declares_the_postcode_permission_the_skill_asks_for() -> None:
    from voice_skill.skill import ADDRESS_PERMISSION

    manifest = json.loads((im.MODEL_PATH.parents[2] / "skill.json").read_text())["manifest"]
    assert {"name": "alexa::devices:all:address:country_and_postal_code:read"} in manifest["permissions"]
    assert ADDRESS_PERMISSION == "read::alexa:device:all:address:country_and_postal_code"
    assert "en-GB" in manifest["publishingInformation"]["locales"]
