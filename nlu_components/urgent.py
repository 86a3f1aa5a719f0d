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

from nlu_components.base import IntentCorrection

PHRASES_FILE = Path(__file__).resolve().parent / "urgent_phrases.yml"
URGENT_INTENTS = ("immediate_danger", "homeless_urgent", "safeguarding_concern")


def load_phrases(path: Path = PHRASES_FILE) -> list[tuple[str, re.Pattern[str]]]:
    """Compile the phrase list into (intent, pattern) pairs, most urgent intent first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(data) - set(URGENT_INTENTS)
    if unknown:
        raise ValueError(f"{path}: not urgent intents: {sorted(unknown)}")
    return [
        (intent, re.compile(rf"\b(?:{phrase})\b"))
        for intent in URGENT_INTENTS
        for phrase in data.get(intent, [])
    ]


def match_urgent(text: str, phrases: list[tuple[str, re.Pattern[str]]]) -> str | None:
    """Return the urgent intent a text names, or None."""
    lowered = " ".join(text.lower().split())
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
            if current in URGENT_INTENTS:
                continue
            self.correct(message, urgent)
        return messages
