"""What the project's graph components share: built from their config alone, nothing trained or stored."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


class ConfiguredComponent(GraphComponent):
    """A component Rasa builds from its config (``get_default_config`` merged with config.yml)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConfiguredComponent:
        """Build the component from its config (see GraphComponent)."""
        return cls(config)


class IntentCorrection(ConfiguredComponent, IntentClassifier):
    """Corrects the intent a classifier gave, so one must run first."""

    @classmethod
    def required_components(cls) -> list[type]:
        """A classifier must have run before a correction."""
        return [IntentClassifier]

    @staticmethod
    def correct(message: Message, intent: str) -> None:
        """Give the message ``intent`` with full confidence, first in its ranking too."""
        corrected = {"name": intent, "confidence": 1.0}
        message.data[INTENT] = corrected
        message.data.setdefault(INTENT_RANKING_KEY, [])
        message.data[INTENT_RANKING_KEY].insert(0, dict(corrected))
