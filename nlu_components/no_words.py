"""Messages with no words at all (emoji, punctuation) go to the fallback.

Such a message has no features the classifier knows, so DIET answers with its prior (``inform`` at 0.88 was
seen for "🙂🙂🗑️") and the bot would treat it as an answer. A resident gets "sorry, I can't help with that"
and the offer of a person instead. Runs after the FallbackClassifier; urgent phrases still win after it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.base import IntentCorrection

_WORD = re.compile(r"\w", re.UNICODE)


def has_words(text: str) -> bool:
    """Whether the text holds any letter or digit (in any script)."""
    return bool(_WORD.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NoWordsFallback(IntentCorrection):
    """Replaces the intent of a message without words by ``nlu_fallback``."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config or {})  # it has no settings

    def process(self, messages: list[Message]) -> list[Message]:
        """Send messages without words to the fallback."""
        for message in messages:
            text = (message.get(TEXT) or "").strip()
            if not text or has_words(text):
                continue
            self.correct(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages
