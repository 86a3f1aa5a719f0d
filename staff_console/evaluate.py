"""Evaluate one trained model on the held-out set (run as a subprocess so the console never imports TensorFlow)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def evaluate(model: Path, heldout: Path) -> dict[str, Any]:
    """Accuracy, macro-F1, out-of-scope recall, per-intent F1, confusion pairs and predictions on ``heldout``.

    Uses the project's evaluation package (``evaluation``), so the gate and ``make eval`` agree.
    """
    from evaluation.datasets import load_examples
    from evaluation.metrics import confusion_pairs, intent_scores, oos_recall
    from evaluation.model import load_agent, parse_many

    examples = load_examples(heldout)
    agent = load_agent(model)
    predictions = parse_many(agent, [e.text for e in examples])
    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    scores = intent_scores(gold, predicted)
    return {
        "model": str(model),
        "heldout": str(heldout),
        "n": scores.n,
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "oos_recall": oos_recall(gold, predicted),
        "per_intent": scores.per_intent,
        "confusion_pairs": confusion_pairs(gold, predicted, [e.text for e in examples]),
        "predictions": [
            {"text": e.text, "gold": g, "predicted": p.intent, "confidence": p.confidence}
            for e, g, p in zip(examples, gold, predictions, strict=True)
        ],
    }


def main() -> int:
    """``python -m staff_console.evaluate MODEL HELDOUT_DIR OUT_JSON``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("heldout", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    result = evaluate(args.model, args.heldout)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
