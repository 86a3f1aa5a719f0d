"""Messages made only of words the assistant was never taught go to the fallback (and so to the A to Z)."""

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.unknown_words import UnknownWordsFallback, all_unknown
from nlu_components.words import content_words


def _message(text: str, intent: str = "greet", entities: list | None = None) -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.76}, "entities": entities or []})


def _trained(tmp_path) -> tuple[UnknownWordsFallback, LocalModelStorage, Resource]:
    storage, resource = LocalModelStorage(tmp_path), Resource("unknown_words")
    component = UnknownWordsFallback.create({}, storage, resource, None)
    data = TrainingData(
        training_examples=[Message(data={"text": "when is my bin day", "intent": "bin_collection_day"}),
                           Message(data={"text": "hello there", "intent": "greet"})],
        lookup_tables=[{"name": "item", "elements": ["fridge freezer"]}],
        entity_synonyms={"tip": "recycling centre"},
    )
    component.train(data)
    return component, storage, resource


def test_stop_words_and_single_letters_carry_no_meaning():
    assert content_words("Allotments, please!") == ["allotments"]
    assert content_words("is it a") == []


def test_a_message_of_unknown_words_goes_to_the_fallback_and_known_words_stay(tmp_path):
    component, storage, resource = _trained(tmp_path)
    loaded = UnknownWordsFallback.load({}, storage, resource, None)
    assert loaded.vocabulary == component.vocabulary >= {"bin", "day", "hello", "fridge", "freezer", "tip"}
    messages = [_message("allotments please"), _message("hello"), _message("my fridge"), _message("the tip"),
                _message("?!")]
    loaded.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["nlu_fallback", "greet", "greet", "greet", "greet"]


def test_postcodes_references_urgent_intents_and_commands_are_left_alone(tmp_path):
    component, _, _ = _trained(tmp_path)
    messages = [
        _message("FB1 2AA", "inform", [{"entity": "postcode", "value": "FB1 2AA"}]),
        _message("overdosed", "suicide_self_harm"),
        _message("/greet", "greet"),
    ]
    component.process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["inform", "suicide_self_harm", "greet"]
    assert all_unknown("zebra crossing", {"bin"}) and not all_unknown("bin zebra", {"bin"})


def test_a_typo_of_a_taught_word_is_known():
    vocabulary = {"hello", "morning", "allotment"}
    assert not all_unknown("helloo", vocabulary) and not all_unknown("mornin", vocabulary)
    assert all_unknown("zebra crossing", vocabulary)
