import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.no_words import NoWordsFallback, has_words


def classified(text: str) -> Message:
    return Message(data={"text": text, "intent": {"name": "inform", "confidence": 0.88},
                         "intent_ranking": [{"name": "inform", "confidence": 0.88}]})


@pytest.mark.parametrize("text", ["🙂🙂🗑️", "👍", "?!", "... :)", "😡 😡"])
def test_messages_without_words_go_to_the_fallback(text):
    (message,) = NoWordsFallback().process([classified(text)])
    assert not has_words(text)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["FB1 2AA", "5", "yes 👍", "¿Dónde está?", "你好", "no. 7"])
def test_messages_with_words_keep_their_intent(text):
    (message,) = NoWordsFallback().process([classified(text)])
    assert message.get("intent")["name"] == "inform"
