"""The generated Alexa interaction model: valid JSON, within Alexa's limits, in step with nlu_data/."""

from __future__ import annotations

import json
import re

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


# --- Free speech never lands in a bare slot -------------------------------------------------------------------

def resolve(model: dict, utterance: str) -> tuple[str, dict[str, str]] | None:
    """Resolve an utterance as the simplest Alexa emulator would: each sample a pattern whose slots match any
    words, the sample with the most words of its own (the most specific) wins, first in the model on a tie."""
    words = im.clean_words(utterance)
    best: tuple[int, str, dict[str, str]] | None = None
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        for sample in intent.get("samples", []):
            slots = im._SLOT_REF.findall(sample)
            pattern = re.escape(sample)
            for slot in slots:
                pattern = pattern.replace(re.escape("{" + slot + "}"), f"(?P<{slot}>.+?)", 1)
            match = re.fullmatch(pattern, words)
            if not match:
                continue
            own_words = len(im._SLOT_REF.sub(" ", sample).split())
            if best is None or own_words > best[0]:
                best = (own_words, intent["name"], {k: v for k, v in match.groupdict().items() if v})
    return (best[1], best[2]) if best else None


FREE_SPEECH = [
    "my neighbour is hitting his kids",
    "i have nowhere to sleep tonight",
    "what's the weather like tomorrow",
    "i can smell gas in my kitchen",
    "the boy next door is left alone for days",
    "honestly i just want to end it all now",
    "book a table for two tonight",
    "fb one two a a",
    "one zero two three one",
    "the blue one",
    "mill lane",
]


@pytest.mark.parametrize("utterance", FREE_SPEECH)
def test_free_speech_reaches_the_catch_all_not_a_bare_slot(committed: dict, utterance: str) -> None:
    intent, slots = resolve(committed, utterance)
    assert intent == im.CATCH_ALL_INTENT, f"{utterance!r} resolved to {intent} {slots}"
    prefixes = im.carrier_prefixes(committed)
    heard = " ".join(f"{prefixes[slot]} {value}".strip() for slot, value in slots.items())
    assert heard == im.clean_words(utterance)  # every word reaches Rasa


def test_no_intent_but_the_catch_all_has_a_bare_slot_sample(committed: dict) -> None:
    for intent in committed["interactionModel"]["languageModel"]["intents"]:
        if intent["name"] == im.CATCH_ALL_INTENT:
            continue
        bare = [s for s in intent.get("samples", []) if im.is_bare(s)]
        assert bare == [], f"{intent['name']} would swallow free speech through {bare}"
    assert "inform" not in {i["name"] for i in committed["interactionModel"]["languageModel"]["intents"]}


def test_bare_sample_check_knows_filler_from_request_words() -> None:
    assert im.is_bare("{reference}") and im.is_bare("the {bin_type}") and im.is_bare("{item} please")
    assert im.is_bare("it's on {location}")
    assert not im.is_bare("bin day for {postcode}") and not im.is_bare("report a {problem_type}")
    assert not im.is_bare("when is my bin day")


def test_a_meaningful_carrier_phrase_is_kept_with_the_words(committed: dict) -> None:
    intent, slots = resolve(committed, "there's smoke coming from the flat downstairs")
    assert intent == im.CATCH_ALL_INTENT
    assert slots == {"theres": "smoke coming from the flat downstairs"}
    assert im.carrier_prefixes(committed)["theres"] == "there's"


def test_a_catalogue_request_with_its_own_words_still_reaches_its_intent(committed: dict) -> None:
    intent, slots = resolve(committed, "bin day for FB1 2AA")
    assert (intent, slots) == ("bin_collection_day", {"postcode": "fb1 2aa"})


def test_limit_checks_refuse_a_bare_slot_outside_the_catch_all(committed: dict) -> None:
    bad = json.loads(json.dumps(committed))
    intents = bad["interactionModel"]["languageModel"]["intents"]
    report = next(i for i in intents if i["name"] == "report_status")
    report["samples"].append("{reference}")
    assert any("bare-slot sample '{reference}'" in p for p in im.check_limits(bad))


def test_catch_all_slot_type_is_wide_and_within_limits(committed: dict) -> None:
    types = {t["name"]: t for t in committed["interactionModel"]["languageModel"]["types"]}
    values = [v["name"]["value"] for v in types[im.FREE_SPEECH_TYPE]["values"]]
    assert len(values) >= 1000 and len(set(values)) == len(values)
    assert all(len(v) <= im.MAX_SLOT_VALUE_CHARS for v in values)
    assert "i have nowhere to stay tonight" in values  # urgent words are among what it is taught to hear
