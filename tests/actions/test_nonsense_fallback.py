import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.nonsense import NonsenseFallback, is_nonsense


def classified(text: str) -> Message:
    return Message(data={"text": text, "intent": {"name": "inform", "confidence": 0.9},
                         "intent_ranking": [{"name": "inform", "confidence": 0.9}]})


@pytest.mark.parametrize("text", ["sdfghjkl", "poiuytrewq", "zxcvbn", "jkjkjk jkjk", "hgfhgfdhgf",
                                  "<b>bins</b>", "<img src=x onerror=alert(1)>", "javascript:alert(1)"])
def test_keyboard_mash_and_markup_go_to_the_fallback(text):
    (message,) = NonsenseFallback().process([classified(text)])
    assert is_nonsense(text)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}


@pytest.mark.parametrize("text", ["hwrc", "ctax", "pcn", "FB1 2AA", "10231", "FB12345678", "noooo", "yesss",
                                  "strengths", "recyclin", "pot hole", "lampost", "asdf", "brrr it's cold, bins?"])
def test_real_words_abbreviations_and_references_keep_their_intent(text):
    (message,) = NonsenseFallback().process([classified(text)])
    assert message.get("intent")["name"] == "inform"
