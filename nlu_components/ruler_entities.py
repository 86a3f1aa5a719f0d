"""Let the entity ruler own postcodes and references: one entity per span, in canonical form.

The NLU data annotates postcodes and references too (the Alexa interaction model is
generated from those annotations), so DIET learns them as well and may report the same
span a second time, or a slightly different span. Format-defined entities are better
found by the ruler's patterns; this component drops other extractors' copies and writes
postcodes as the Royal Mail does ("FB1 2AA"), planning references in upper case.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, EXTRACTOR
from rasa.shared.nlu.training_data.message import Message

from councils.postcode import normalise_postcode
from nlu_components.base import ConfiguredComponent

RULER = "SpacyEntityExtractor"


def canonical_value(entity: str, value: str) -> str:
    """Postcodes as "FB1 2AA"; references in upper case without surrounding spaces."""
    if entity == "postcode":
        return normalise_postcode(value) or value
    if entity == "reference":
        return re.sub(r"\s+", "", value).upper()
    return value


def prefer_ruler(entities: list[dict[str, Any]], owned: set[str]) -> list[dict[str, Any]]:
    """Keep the ruler's entities of the owned types, drop other extractors' entities of those types."""
    kept = []
    for entity in entities:
        if entity.get("entity") in owned:
            if entity.get(EXTRACTOR) != RULER:
                continue
            entity = {**entity, "value": canonical_value(entity["entity"], str(entity.get("value", "")))}
        kept.append(entity)
    return kept


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class RulerEntityPreference(ConfiguredComponent, EntityExtractorMixin):
    """Runs after every extractor (and the synonym mapper)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The entity types the ruler owns."""
        return {"entities": ["postcode", "reference"]}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.owned = set(config["entities"])

    def process(self, messages: list[Message]) -> list[Message]:
        """Rewrite each message's entities."""
        for message in messages:
            message.set(ENTITIES, prefer_ruler(message.get(ENTITIES, []), self.owned), add_to_output=True)
        return messages
