"""Evaluate one trained model on the held-out set (run as a subprocess so the console never imports TensorFlow)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def evaluate(model: Path, heldout: Path, urgent_set: Path | None = None) -> dict[str, Any]:
    """Held-out figures and predictions, and the predictions on the urgent set (``urgent_set``) when given.

    On ``heldout``: accuracy, macro-F1, out-of-scope recall, in-scope accuracy, the share of in-scope messages
    sent to the fallback, per-intent F1, confusion pairs and every prediction. ``urgent_recall`` covers the
    urgent messages of both sets. Uses the project's evaluation package (``evaluation``), so the gate, the
    benchmarks and ``make eval`` agree.
    """
    from evaluation.model import load_agent

    return evaluate_agent(load_agent(model), model, heldout, urgent_set)


def evaluate_agent(agent: Any, model: Path, heldout: Path, urgent_set: Path | None = None) -> dict[str, Any]:
    """``evaluate`` with the model already loaded (``evaluation.model.load_agent``), for a caller that parses more."""
    from evaluation.datasets import load_examples, load_urgent_set
    from evaluation.metrics import (
        confusion_pairs,
        false_fallback,
        in_scope_accuracy,
        intent_scores,
        oos_recall,
        urgent_recall,
    )
    from evaluation.model import parse_many

    examples = load_examples(heldout)
    urgent = load_urgent_set(urgent_set) if urgent_set else []
    predictions = parse_many(agent, [e.text for e in examples + urgent])
    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions[:len(examples)]]
    scores = intent_scores(gold, predicted)
    urgent_gold = [e.intent for e in urgent]
    urgent_predicted = [p.intent for p in predictions[len(examples):]]
    return {
        "model": str(model),
        "heldout": str(heldout),
        "urgent_set": str(urgent_set) if urgent_set else None,
        "n": scores.n,
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "oos_recall": oos_recall(gold, predicted),
        "in_scope_accuracy": in_scope_accuracy(gold, predicted),
        "fallback_rate": false_fallback(gold, predicted),
        "urgent_recall": urgent_recall(gold + urgent_gold, predicted + urgent_predicted),
        "per_intent": scores.per_intent,
        "confusion_pairs": confusion_pairs(gold, predicted, [e.text for e in examples]),
        "predictions": [
            {"text": e.text, "gold": g, "predicted": p.intent, "confidence": p.confidence}
            for e, g, p in zip(examples, gold, predictions[:len(examples)], strict=True)
        ],
        "urgent": [
            {"text": e.text, "gold": g, "predicted": p} for e, g, p in zip(urgent, urgent_gold, urgent_predicted,
                                                                             strict=True)
        ],
    }


def main() -> int:
    """``python -m staff_console.evaluate MODEL HELDOUT_DIR OUT_JSON [--urgent-set FILE]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("heldout", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--urgent-set", type=Path, help="urgent messages per route (bench/data/urgent_dev.yml)")
    args = parser.parse_args()
    result = evaluate(args.model, args.heldout, args.urgent_set)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
