"""What the project's graph components share: built from their config alone, nothing trained or stored."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier


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
