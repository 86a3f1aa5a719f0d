"""A misspelt word reads as the taught word it nearly is; English words, short words and training data do not."""

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.spelling import SpellingCorrector, nearest

TAUGHT = ["when is my bin collection", "report a pavement problem", "pay my council tax", "pay my council tax bill",
          "my payment failed", "library opening hours", "the recycling centre", "a colection was missed"]
TOKENIZER = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())


def _tokenised(text: str) -> Message:
    message = Message(data={TEXT: text})
    TOKENIZER.process([message])
    return message


@pytest.fixture
def counts() -> dict[str, int]:
    return {"collection": 1, "pavement": 1, "council": 2, "payment": 3, "library": 1, "recycling": 1, "bin": 1,
            "complaint": 1}


@pytest.mark.parametrize(("typed", "taught"), [
    ("colection", "collection"),  # a letter dropped
    ("counsil", "council"),  # a letter changed
    ("libray", "library"),  # two letters swapped: one edit
    ("reycclign", "recycling"),  # two edits in a long word
    ("pavment", "pavement"),  # adding a letter beats changing one ("payment" is as near by changes)
])
def test_a_typo_becomes_the_taught_word(typed, taught, counts):
    assert nearest(typed, counts) == taught


@pytest.mark.parametrize("typed", [
    "collection",  # taught
    "complain",  # an English word, one letter from a taught one: the resident meant it
    "bim",  # shorter than four letters
    "kouncil",  # another first letter
    "cuonsli",  # three edits
    "fb12aa",  # not letters only
])
def test_words_that_are_left_alone(typed, counts):
    assert nearest(typed, counts) is None


def test_a_parsed_message_gets_taught_words_and_keeps_its_text_and_offsets(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("spelling")
    training = TrainingData(training_examples=[_tokenised(text) for text in TAUGHT])
    SpellingCorrector.create({}, storage, resource, None).train(training)
    # Training examples keep their words, the taught misspelling "colection" too.
    component = SpellingCorrector.load({}, storage, resource, None)
    assert component.process_training_data(training) is training
    assert component.counts["colection"] == 1 and component.counts["council"] == 2

    typed = "my counsil tax paymnet and the libary"
    message = _tokenised(typed)
    before = [(token.start, token.end) for token in message.get(TOKENS_NAMES[TEXT])]
    component.process([message])
    tokens = message.get(TOKENS_NAMES[TEXT])
    assert [token.text for token in tokens] == ["my", "council", "tax", "payment", "and", "the", "library"]
    assert [token.lemma for token in tokens][1] == "council"  # the character n-grams read lemmas
    assert [(token.start, token.end) for token in tokens] == before and message.get(TEXT) == typed

    command = _tokenised('/inform{"item":"libary"}')
    component.process([command])
    assert "libary" in [token.text for token in command.get(TOKENS_NAMES[TEXT])]
