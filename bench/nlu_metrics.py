"""Shared NLU evaluation code: labelled examples, parsing with a trained model, and the metrics.

Used by ``bench/nlu_eval.py`` and meant to be reused by the staff console, so it has no CLI and
prints nothing. The conventions (docs/CONTRACTS.md):

- ``out_of_scope`` and ``nlu_fallback`` are one class, ``out_of_scope``, for gold and predicted labels;
  a message with no intent at all also counts as ``out_of_scope`` (the bot would not handle it).
- Entities are compared as sets of exact ``(entity, value)`` pairs per message, after the pipeline's
  synonym mapping; only the entity names of the contract are scored (extractors may add others).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
    }
)

# CLINC150 (../shared/eval/clinc150/README.md): conversation intents that map to the catalogue.
CLINC_CONVERSATION_MAP: dict[str, str] = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank",
    "yes": "affirm",
    "no": "deny",
    "are_you_a_bot": "bot_challenge",
    "what_can_i_ask_you": "help",
}
# Domains that are ambiguous for a council (paying a bill, taxes, public holidays): not evaluated.
CLINC_EXCLUDED_DOMAINS = frozenset({"banking", "work"})
# Intents that are neither mapped nor out of scope: CLINC's meta `cancel` ("cancel that", "stop") is
# the catalogue's `cancel` intent, so it is left out rather than counted as out of scope.
CLINC_EXCLUDED_INTENTS = frozenset({"cancel"})

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


def normalise_text(text: str) -> str:
    """Lower-case, drop punctuation and collapse whitespace, for overlap checks between data sets."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _pairs(entities: Iterable[dict[str, Any]] | None, keep: frozenset[str] | None) -> frozenset[Pair]:
    """(entity, value) pairs of Rasa entity dicts, values as stripped strings."""
    pairs = set()
    for entity in entities or []:
        name = entity.get("entity")
        if not name or (keep is not None and name not in keep):
            continue
        pairs.add((str(name), str(entity.get("value", "")).strip()))
    return frozenset(pairs)


def load_examples(path: str | Path) -> list[Example]:
    """Read Rasa YAML (or JSON/Markdown) NLU data from a file or folder into labelled examples.

    Gold entity values are the annotated values (canonical values where the annotation gives one).
    """
    from rasa.shared.nlu.training_data.loading import load_data

    training_data = load_data(str(path))
    examples = []
    for message in training_data.intent_examples:
        examples.append(
            Example(
                text=message.get("text"),
                intent=normalise_intent(message.get("intent")),
                entities=_pairs(message.get("entities"), keep=None),
            )
        )
    return examples


def load_clinc(
    path: str | Path, limit: int = 0, seed: int = 0, splits: tuple[str, str] = ("test", "oos_test")
) -> tuple[list[str], list[Example]]:
    """Return CLINC150 evaluation queries: (out-of-scope texts, conversation examples mapped to the catalogue).

    Out of scope: all of ``oos_test`` plus the ``test`` queries of every domain except banking and work,
    minus the mapped conversation intents and ``cancel``. Only ``test``/``oos_test`` are read, unless
    ``splits`` names the validation pair (``("val", "oos_val")``) for tuning.
    ``domains.json`` must sit beside ``data_full.json``. ``limit`` > 0 keeps a deterministic sample of at
    most that many queries of each list (for quick runs).
    """
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    domains = json.loads((path.parent / "domains.json").read_text(encoding="utf-8"))
    domain_of = {intent: domain for domain, intents in domains.items() for intent in intents}

    in_scope_split, oos_split = splits
    oos = [text for text, _ in data[oos_split]]
    mapped = []
    for text, intent in data[in_scope_split]:
        if intent in CLINC_CONVERSATION_MAP:
            mapped.append(Example(text=text, intent=CLINC_CONVERSATION_MAP[intent]))
        elif intent in CLINC_EXCLUDED_INTENTS or domain_of.get(intent) in CLINC_EXCLUDED_DOMAINS:
            continue
        else:
            oos.append(text)
    if limit > 0:
        rng = random.Random(seed)
        if len(oos) > limit:
            oos = rng.sample(oos, limit)
        if len(mapped) > limit:
            mapped = rng.sample(mapped, limit)
    return oos, mapped


class NluModel:  # Rasa and TensorFlow are slow to import: they are imported only when a model is loaded.
    """Only the NLU part of a trained model, parsed as Rasa's ``Agent.parse_message`` does.

    Loading the dialogue policies too (``Agent.load``) costs TED's load, about 14 s on this machine, for
    nothing: the evaluations here only parse messages. The staff console's gate waits for this load.
    """

    def __init__(self, model_path: str | Path) -> None:
        import tempfile

        from rasa.engine.graph import ExecutionContext
        from rasa.engine.runner.dask import DaskGraphRunner
        from rasa.engine.storage.local_model_storage import LocalModelStorage

        self._folder = tempfile.TemporaryDirectory(prefix="nlu-model-")
        storage, metadata = LocalModelStorage.from_model_archive(Path(self._folder.name), Path(model_path))
        schema = metadata.predict_schema.minimal_graph_schema([metadata.nlu_target])
        self._target = metadata.nlu_target
        self._runner = DaskGraphRunner.create(
            graph_schema=schema, model_storage=storage,
            execution_context=ExecutionContext(graph_schema=schema, model_id=metadata.model_id),
        )

    async def parse_message(self, text: str) -> dict[str, Any]:
        """What ``Agent.parse_message(text)`` answers (``rasa/core/processor.py``, parse with the graph)."""
        from rasa.core.channels.channel import UserMessage
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.core.trackers import DialogueStateTracker

        message = UserMessage(text)
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
        results = self._runner.run(inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker},
                                   targets=[self._target])
        parsed = {"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []}
        parsed.update(results[self._target][0].as_dict(only_output_properties=True))
        return parsed


def load_agent(model_path: str | Path) -> NluModel:
    """Load the NLU part of a trained Rasa model (a ``.tar.gz`` or a folder holding them: the newest is used)."""
    from rasa.model import get_local_model

    return NluModel(get_local_model(str(model_path)))


def to_prediction(result: dict[str, Any]) -> Prediction:
    """Turn a Rasa parse result into a Prediction (normalised intent, contract entities only)."""
    intent = result.get("intent") or {}
    return Prediction(
        text=result.get("text", ""),
        intent=normalise_intent(intent.get("name")),
        confidence=float(intent.get("confidence") or 0.0),
        entities=_pairs(result.get("entities"), keep=CONTRACT_ENTITIES),
        raw_intent=intent.get("name"),
    )


def parse_results(
    agent: NluModel, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Rasa's raw parse result for each text, in order (calls ``progress(done, total)`` now and then)."""

    async def run() -> list[dict[str, Any]]:
        out = []
        for i, text in enumerate(texts, 1):
            out.append(await agent.parse_message(text))
            if progress is not None and (i % 500 == 0 or i == len(texts)):
                progress(i, len(texts))
        return out

    return asyncio.run(run())


def parse_many(
    agent: NluModel, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
) -> list[Prediction]:
    """Parse many messages in order into Predictions (synchronous wrapper around ``parse_results``)."""
    return [to_prediction(result) for result in parse_results(agent, texts, progress)]


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


def overlap(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """Texts of ``a`` that also occur in ``b`` (ignoring case, punctuation and whitespace)."""
    seen = {normalise_text(t) for t in b}
    return sorted({t for t in a if normalise_text(t) in seen})
