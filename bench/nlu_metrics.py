"""Moved to the ``evaluation`` package: these names stay only so branches written against them still merge.

Import from ``evaluation.metrics``, ``evaluation.datasets``, ``evaluation.model`` and ``evaluation.text``.
"""

from evaluation.datasets import (
    CLINC_CONVERSATION_MAP,
    CLINC_EXCLUDED_DOMAINS,
    CLINC_EXCLUDED_INTENTS,
    load_clinc,
    load_examples,
)
from evaluation.metrics import (
    CONTRACT_ENTITIES,
    FALLBACK_INTENTS,
    OUT_OF_SCOPE,
    EntityScores,
    Example,
    IntentScores,
    Prediction,
    confusion_matrix,
    confusion_pairs,
    entity_scores,
    intent_scores,
    normalise_intent,
    oos_recall,
)
from evaluation.model import NluModel, load_agent, parse_many, parse_results, to_prediction
from evaluation.text import normalise_text, overlap

__all__ = [
    "CLINC_CONVERSATION_MAP", "CLINC_EXCLUDED_DOMAINS", "CLINC_EXCLUDED_INTENTS", "CONTRACT_ENTITIES",
    "FALLBACK_INTENTS", "OUT_OF_SCOPE", "EntityScores", "Example", "IntentScores", "NluModel", "Prediction",
    "confusion_matrix", "confusion_pairs", "entity_scores", "intent_scores", "load_agent", "load_clinc",
    "load_examples", "normalise_intent", "normalise_text", "oos_recall", "overlap", "parse_many", "parse_results",
    "to_prediction",
]
