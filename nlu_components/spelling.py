"""A misspelt word reads as the taught word it nearly is, before the classifier sees it.

Residents type fast, often on a phone: "colection", "counsil", "rubish", "libary". DIET's character n-grams
soften a typo, but its word features and the RegexFeaturizer's lookups lose the word altogether. This component
runs after the tokenizer and, when a message is parsed (never in training, whose misspellings are taught on
purpose), gives each such token the text of the nearest word the training data teaches:

- only tokens of letters, four or more, that are neither a taught word nor an English word (spaCy's lookup
  tables, so "weather" never becomes "heather" and an off-topic message stays off-topic);
- within one edit, or two for words of eight letters or more (rapidfuzz's optimal string alignment, where
  swapping two letters is one edit), with the same first letter (residents rarely mistype that one);
- of several, the nearest; then the one reached by adding or dropping letters rather than changing them
  ("pavment" is "pavement", not "payment"); then the one the training data uses most.

The message's text and the tokens' offsets stay the resident's own, so entities and transcripts keep their words.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

COUNTS_FILE = "word_counts.json"
SHORTEST = 4  # shorter words are too often another word one letter away ("bin", "bun", "ban")
LONG = 8  # from this length a word may be two edits from the taught one


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Every word form of spaCy's English lemma lookup table (spacy-lookups-data, installed with the project)."""
    import spacy_lookups_data

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as handle:
        lemmas = json.load(handle)
    return frozenset(word.lower() for pair in lemmas.items() for word in pair)


def correctable(word: str, counts: dict[str, int]) -> bool:
    """Whether a lower-case token may be corrected at all: letters only, long enough, neither taught nor English."""
    return len(word) >= SHORTEST and word.isalpha() and word.isascii() and word not in counts \
        and word not in english_words()


def nearest(word: str, counts: dict[str, int]) -> str | None:
    """The taught word within the allowed edits of ``word`` (the most used among the nearest), or None."""
    if not correctable(word, counts):
        return None
    most = 2 if len(word) >= LONG else 1
    found = [(distance, taught) for taught, distance, _ in process.extract(
        word, counts.keys(), scorer=OSA.distance, score_cutoff=most, limit=None) if taught[0] == word[0]]
    if not found:
        return None
    return min(found, key=lambda match: (match[0], Indel.distance(word, match[1]), -counts[match[1]], match[1]))[1]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingCorrector(GraphComponent):
    """Replaces the text of misspelt tokens by the taught word they nearly are (see the module docstring)."""

    @classmethod
    def required_components(cls) -> list[type]:
        """It reads the tokens a tokenizer made."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No settings: the words come from the training data."""
        return {}

    def __init__(self, model_storage: ModelStorage, resource: Resource, counts: dict[str, int] | None = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.counts = counts or {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SpellingCorrector:
        """A component that knows no words yet, to be trained (see GraphComponent)."""
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SpellingCorrector:
        """The component with the word counts stored beside the model, the English words read now, not in a turn."""
        with model_storage.read_from(resource) as directory:
            counts = json.loads((directory / COUNTS_FILE).read_text(encoding="utf-8"))
        english_words()
        return cls(model_storage, resource, counts)

    def train(self, training_data: TrainingData) -> Resource:
        """Count the words of the training examples, as the tokenizer split them."""
        counts: Counter[str] = Counter()
        for message in training_data.training_examples:
            counts.update(token.text.lower() for token in message.get(TOKENS_NAMES[TEXT]) or []
                          if token.text.isalpha())
        self.counts = dict(counts)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / COUNTS_FILE).write_text(json.dumps(self.counts, sort_keys=True), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their words: their misspellings are taught on purpose."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Correct the tokens of each parsed message; intent payloads ("/inform{...}") are left alone."""
        for message in messages:
            if (message.get(TEXT) or "").startswith("/"):
                continue
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                correction = nearest(token.text.lower(), self.counts)
                if correction is not None:
                    token.text = token.lemma = correction  # the character n-grams read lemmas
        return messages
