"""NLU figures: labelled examples, predictions, accuracy, macro-F1, out-of-scope recall, entity F1, confusions.

Conventions (docs/CONTRACTS.md):

- ``out_of_scope`` and ``nlu_fallback`` are one class, ``out_of_scope``, for gold and predicted labels;
  a message with no intent at all also counts as ``out_of_scope`` (the bot would not handle it).
- Entities are compared as sets of exact ``(entity, value)`` pairs per message, after the pipeline's
  synonym mapping; only the entity names of the contract are scored (extractors may add others).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

OUT_OF_SCOPE = "out_of_scope"
FALLBACK_INTENTS = frozenset({"out_of_scope", "nlu_fallback"})

# Entity names of docs/CONTRACTS.md that NLU extracts (`uprn` only arrives in button payloads).
CONTRACT_ENTITIES = frozenset(
    {
        "postcode",
        "address",
        "bin_type",
        "item",
        "problem_type",
        "location",
        "place",
        "reference",
        "permit_type",
        "repair_type",
        "department",
        "service",  # an A to Z service id: council_service examples and "Did you mean" buttons
    }
)

Pair = tuple[str, str]


@dataclass(frozen=True)
class Example:
    """One labelled message: text, gold intent and gold (entity, value) pairs."""

    text: str
    intent: str
    entities: frozenset[Pair] = frozenset()


@dataclass(frozen=True)
class Prediction:
    """What a model made of one message (intent already normalised, contract entities only)."""

    text: str
    intent: str
    confidence: float
    entities: frozenset[Pair] = frozenset()
    raw_intent: str | None = None


@dataclass
class IntentScores:
    """Intent classification figures over one labelled set."""

    n: int
    accuracy: float
    macro_f1: float
    labels: list[str]
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class EntityScores:
    """Micro-averaged entity figures plus a per-entity breakdown."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    per_entity: dict[str, dict[str, float]] = field(default_factory=dict)


def normalise_intent(name: str | None) -> str:
    """Map ``nlu_fallback``/``out_of_scope`` (and no intent) to the single class ``out_of_scope``."""
    if not name or name in FALLBACK_INTENTS:
        return OUT_OF_SCOPE
    return name


def entity_pairs(entities: Iterable[dict[str, Any]] | None, keep: frozenset[str] | None) -> frozenset[Pair]:
    """(entity, value) pairs of Rasa entity dicts, values as stripped strings."""
    pairs = set()
    for entity in entities or []:
        name = entity.get("entity")
        if not name or (keep is not None and name not in keep):
            continue
        pairs.add((str(name), str(entity.get("value", "")).strip()))
    return frozenset(pairs)


def intent_scores(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> IntentScores:
    """Accuracy, macro-F1 over ``labels`` (default: the gold labels) and per-intent P/R/F1/support."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    labels = sorted(set(gold)) if labels is None else list(labels)
    if not gold:
        return IntentScores(n=0, accuracy=0.0, macro_f1=0.0, labels=labels)
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per_intent = {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, label in enumerate(labels)
    }
    return IntentScores(
        n=len(gold),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        labels=labels,
        per_intent=per_intent,
    )


def oos_recall(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Share of gold ``out_of_scope`` messages predicted ``out_of_scope``/``nlu_fallback`` (None if none)."""
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if normalise_intent(g) == OUT_OF_SCOPE]
    if not pairs:
        return None
    return sum(normalise_intent(p) == OUT_OF_SCOPE for _, p in pairs) / len(pairs)


def in_scope_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Share of gold in-scope messages (not ``out_of_scope``) given exactly their intent (None if none)."""
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if normalise_intent(g) != OUT_OF_SCOPE]
    if not pairs:
        return None
    return sum(normalise_intent(g) == normalise_intent(p) for g, p in pairs) / len(pairs)


def false_fallback(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Share of gold in-scope messages predicted ``out_of_scope``/``nlu_fallback``: residents wrongly turned away."""
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if normalise_intent(g) != OUT_OF_SCOPE]
    if not pairs:
        return None
    return sum(normalise_intent(p) == OUT_OF_SCOPE for _, p in pairs) / len(pairs)


def sent_to_fallback(gold: Sequence[str], predicted: Sequence[str], texts: Sequence[str]) -> list[str]:
    """The in-scope messages predicted ``out_of_scope``/``nlu_fallback``: the residents ``false_fallback`` counts."""
    return [t for g, p, t in zip(gold, predicted, texts, strict=True)
            if normalise_intent(g) != OUT_OF_SCOPE and normalise_intent(p) == OUT_OF_SCOPE]


def urgent_caught(gold: Sequence[str], predicted: Sequence[str], texts: Sequence[str]) -> dict[str, bool]:
    """For each urgent message (gold an urgent route), whether it took exactly its route.

    An urgent message answered by another urgent route counts as missed: each route gives other numbers
    (crisis lines, the gas emergency number, the out-of-hours housing team).
    """
    from actions.urgent_routes import URGENT_INTENTS

    return {t: g == p for g, p, t in zip(gold, predicted, texts, strict=True) if g in URGENT_INTENTS}


def urgent_recall(gold: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Share of urgent messages (gold an urgent route) that took exactly their route (None if none)."""
    caught = urgent_caught(gold, predicted, [str(i) for i in range(len(gold))])
    return sum(caught.values()) / len(caught) if caught else None


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


def entity_scores(gold: Sequence[frozenset[Pair]], predicted: Sequence[frozenset[Pair]]) -> EntityScores:
    """Micro-averaged P/R/F1 of exact (entity, value) pairs per message, and the same per entity name."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, predicted, strict=True):
        for name, _ in g & p:
            tp[name] += 1
        for name, _ in p - g:
            fp[name] += 1
        for name, _ in g - p:
            fn[name] += 1
    per_entity = {}
    for name in sorted(set(tp) | set(fp) | set(fn)):
        precision, recall, f1 = _prf(tp[name], fp[name], fn[name])
        per_entity[name] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp[name] + fn[name],
            "tp": tp[name],
            "fp": fp[name],
            "fn": fn[name],
        }
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    precision, recall, f1 = _prf(total_tp, total_fp, total_fn)
    return EntityScores(precision, recall, f1, total_tp, total_fp, total_fn, per_entity)


def confusion_pairs(
    gold: Sequence[str], predicted: Sequence[str], texts: Sequence[str] | None = None, top: int = 10
) -> list[dict[str, Any]]:
    """The ``top`` most frequent (gold, predicted) mistakes, with up to three example texts each."""
    counts: Counter[tuple[str, str]] = Counter()
    samples: dict[tuple[str, str], list[str]] = {}
    for i, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        if g == p:
            continue
        counts[(g, p)] += 1
        if texts is not None and len(samples.setdefault((g, p), [])) < 3:
            samples[(g, p)].append(texts[i])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [{"gold": g, "predicted": p, "count": n, "examples": samples.get((g, p), [])} for (g, p), n in ranked]


def confusion_matrix(gold: Sequence[str], predicted: Sequence[str]) -> tuple[list[str], list[list[int]]]:
    """Labels (gold and predicted, ``out_of_scope`` last) and the count matrix, rows gold, columns predicted."""
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    labels = sorted((set(gold) | set(predicted)) - {OUT_OF_SCOPE})
    if OUT_OF_SCOPE in set(gold) | set(predicted):
        labels.append(OUT_OF_SCOPE)
    matrix = sk_confusion_matrix(gold, predicted, labels=labels)
    return labels, matrix.tolist()
