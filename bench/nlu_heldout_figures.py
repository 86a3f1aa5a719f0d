"""Held-out figures of one trained model: in-scope accuracy, out-of-scope recall and the false-fallback rate.

In-scope accuracy is over the held-out messages whose gold intent is not ``out_of_scope``; the false-fallback
rate is the share of those the model sends to the fallback (``nlu_fallback`` or ``out_of_scope``). Targets
(issue 8): in-scope accuracy >= 0.95, out-of-scope recall >= 0.85, false fallback <= 0.05. Parsing is the
same as the staff console's gate (``evaluation.model``).

    .venv/bin/python bench/nlu_heldout_figures.py models/<name>.tar.gz [--heldout nlu_heldout]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evaluation import metrics, model
from evaluation.datasets import load_examples

REPO_ROOT = Path(__file__).resolve().parent.parent

TARGETS = {"in-scope accuracy": (0.95, ">="), "out-of-scope recall": (0.85, ">="), "false fallback": (0.05, "<=")}


def main(argv: list[str] | None = None) -> int:
    """Print the figures and whether each target is met."""
    parser = argparse.ArgumentParser(prog="bench/nlu_heldout_figures.py", description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a trained model (.tar.gz) or a folder of them")
    parser.add_argument("--heldout", default=str(REPO_ROOT / "nlu_heldout"), help="held-out set")
    args = parser.parse_args(argv)

    examples = load_examples(args.heldout)
    predictions = model.parse_many(model.load_agent(args.model), [e.text for e in examples])
    gold = [e.intent for e in examples]
    predicted = [p.intent for p in predictions]
    in_scope = [(g, p) for g, p in zip(gold, predicted, strict=True) if g != metrics.OUT_OF_SCOPE]
    figures = {
        "in-scope accuracy": sum(g == p for g, p in in_scope) / len(in_scope),
        "out-of-scope recall": metrics.oos_recall(gold, predicted) or 0.0,
        "false fallback": sum(p == metrics.OUT_OF_SCOPE for _, p in in_scope) / len(in_scope),
    }
    print(f"model: {args.model}")
    print(f"held-out: {len(in_scope)} in scope, {len(gold) - len(in_scope)} out of scope; "
          f"overall accuracy {metrics.intent_scores(gold, predicted).accuracy:.3f}")
    for name, value in figures.items():
        target, way = TARGETS[name]
        met = value >= target if way == ">=" else value <= target
        print(f"  {name:22} {value:.3f}  (target {way} {target}: {'met' if met else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
