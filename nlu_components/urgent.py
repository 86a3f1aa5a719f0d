"""Urgent-route override: a message naming immediate danger takes the urgent route even when unsure.

INTENTS.md requires that "gas leak" or "he's going to hurt himself" reach the emergency
answer whatever the classifier thinks, on every channel. The phrases are data
(``urgent_phrases.yml``) so that a council can extend them without touching code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.urgent_routes import URGENT_INTENTS
from nlu_components.base import IntentCorrection

# A message naming self-harm hears the crisis lines even when the classifier chose another urgent route
# (the immediate-danger answer gives the gas emergency number).
SELF_HARM = "suicide_self_harm"
PHRASES_FILE = Path(__file__).resolve().parent / "urgent_phrases.yml"


def load_phrases(path: Path = PHRASES_FILE) -> list[tuple[str, re.Pattern[str]]]:
    """Compile the phrase list into (intent, pattern) pairs, in the order of URGENT_INTENTS."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(data) - set(URGENT_INTENTS)
    if unknown:
        raise ValueError(f"{path}: not urgent intents: {sorted(unknown)}")
    return [
        (intent, re.compile(rf"\b(?:{phrase})\b"))
        for intent in URGENT_INTENTS
        for phrase in data.get(intent, [])
    ]


_NOT_WORDS = re.compile(r"[^\w'\- ]+")


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, punctuation as spaces, single spaces: what the phrases match."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(_NOT_WORDS.sub(" ", text).split())


def match_urgent(text: str, phrases: list[tuple[str, re.Pattern[str]]]) -> str | None:
    """Return the urgent intent a text names, or None."""
    lowered = normalise(text)
    for intent, pattern in phrases:
        if pattern.search(lowered):
            return intent
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UrgentPhraseOverride(IntentCorrection):
    """Runs after the classifiers and the fallback classifier; may replace their intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Phrases file path; relative paths are resolved from the working directory."""
        return {"phrases": str(PHRASES_FILE)}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.phrases = load_phrases(Path(config["phrases"]))

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages that name an urgent situation."""
        for message in messages:
            text = message.get(TEXT) or ""
            urgent = match_urgent(text, self.phrases)
            if urgent is None:
                continue
            current = (message.get(INTENT) or {}).get("name")
            if current == urgent or (current in URGENT_INTENTS and urgent != SELF_HARM):
                continue  # the classifier chose an urgent route itself; only self-harm is never left to it
            self.correct(message, urgent)
        return messages
