"""Keyboard mash and markup go to the fallback, like messages with no words (no_words.py).

"asdfghjkl" shares character n-grams with real words, so the classifier gave it an intent with confidence
(``inform``, answered "Thanks."); "<script>...</script>" got a task. Neither is a request: a resident gets
"sorry, I can't help with that" and the offer of a person instead. Runs after the FallbackClassifier; urgent
phrases still win after it.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.base import IntentCorrection

_MARKUP = re.compile(r"<\s*/?\s*[a-z][^>]*>|\bjavascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}")
_VOWEL = re.compile(r"[aeiouy]")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def is_mash(token: str) -> bool:
    """Whether one token looks typed without meaning ("sdfghjk", "jkjkjk").

    That is a keyboard row, one or two consonants repeated, or six consonants in a row. Short tokens, and
    tokens with digits (postcodes, references), never.
    """
    word = token.lower()
    if len(word) < 4 or not word.isalpha() or not word.isascii():
        return False
    if len(set(word)) <= 2 and not _VOWEL.search(word):
        return True
    if len(word) >= 5 and any(word in row or word in row[::-1] for row in _KEYBOARD_ROWS):
        return True
    return bool(_CONSONANT_RUN.search(word))


def is_nonsense(text: str) -> bool:
    """Markup, or a message whose every word is keyboard mash."""
    if _MARKUP.search(text):
        return True
    tokens = _TOKEN.findall(text)
    return bool(tokens) and all(is_mash(token) for token in tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NonsenseFallback(IntentCorrection):
    """Replaces the intent of keyboard mash or markup by ``nlu_fallback``."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config or {})  # it has no settings

    def process(self, messages: list[Message]) -> list[Message]:
        """Send nonsense to the fallback."""
        for message in messages:
            if is_nonsense((message.get(TEXT) or "").strip()):
                self.correct(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages
