"""Messages made only of words the assistant was never taught go to the fallback, where the A to Z ranks them.

For such a message DIET has no word it knows and answers with a prior: "allotments" came out as ``greet`` at
0.76, above the fallback threshold, and the resident was greeted instead of helped. The classifier cannot
know these words, but the council's A to Z can (its ranking reads character n-grams, so "alotments" still
finds Allotments): the fallback's rule hands the message to ``action_service_directory``, which answers the
service or says it cannot help. The vocabulary is every word of the training examples, lookup tables and
synonyms, kept with the model. Words English uses everywhere (spaCy's stop words) do not count either way.
Messages with a postcode or a reference, and urgent intents, are left alone: a miss there costs more.
"""

from __future__ import annotations

import json
from difflib import get_close_matches
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.urgent_routes import URGENT_INTENTS
from nlu_components.base import IntentCorrection
from nlu_components.words import content_words

VOCABULARY_FILE = "vocabulary.json"
# A typo of a taught word is that word: DIET's character n-grams already read it (difflib's ratio).
CLOSE_SPELLING = 0.8
# Values the entity ruler recognises by their shape: a message holding one means something, known words or not.
RULER_ENTITIES = frozenset({"postcode", "reference"})


def vocabulary_of(training_data: TrainingData) -> set[str]:
    """Every content word the training data teaches: examples, lookup tables and synonyms."""
    texts = [message.get(TEXT) or "" for message in training_data.training_examples]
    for table in training_data.lookup_tables:
        texts += [str(element) for element in table.get("elements") or []]
    texts += [str(word) for word in training_data.entity_synonyms]
    return {word for text in texts for word in content_words(text)}


def known(word: str, vocabulary: set[str]) -> bool:
    """Whether the vocabulary holds the word or one spelt nearly the same ("helloo", "mornin")."""
    return word in vocabulary or bool(get_close_matches(word, vocabulary, n=1, cutoff=CLOSE_SPELLING))


def all_unknown(text: str, vocabulary: set[str]) -> bool:
    """Whether the text has content words and the vocabulary knows none of them, nor any close spelling."""
    words = content_words(text)
    return bool(words) and not any(known(word, vocabulary) for word in words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    """Replaces the intent of a message whose every content word is unknown by ``nlu_fallback``."""

    @classmethod
    def required_components(cls) -> list[type]:
        """None that Rasa can check: it trains on raw examples. In config.yml it comes after the classifiers."""
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No settings: the vocabulary comes from the training data."""
        return {}

    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: set[str] | None = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsFallback:
        """A component with an empty vocabulary, to be trained (see GraphComponent)."""
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsFallback:
        """The component with the vocabulary stored beside the model."""
        with model_storage.read_from(resource) as directory:
            vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))
        return cls(model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn and store the vocabulary of the training data."""
        self.vocabulary = vocabulary_of(training_data)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Send messages made only of unknown words to the fallback."""
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            named = {entity.get("entity") for entity in message.get(ENTITIES) or []}
            if text.startswith("/") or named & RULER_ENTITIES or intent in URGENT_INTENTS:
                continue
            if all_unknown(text, self.vocabulary):
                IntentCorrection.correct(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages
