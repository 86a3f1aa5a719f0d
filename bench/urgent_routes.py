"""Urgent routes: recall per route and the false-urgent rate, on the urgent-phrase override alone and on a model.

Sets (never trained on): ``bench/data/urgent_dev.yml`` (development set: urgent messages per route and near-miss
everyday messages) and ``nlu_heldout/`` (its urgent intents, and every other held-out message as non-urgent).
For each set it prints, per urgent route, the share of its messages that took exactly that route, and the
share of non-urgent messages that took any urgent route, with the messages that went wrong. With ``--model``
it also parses them with a trained model (the full pipeline, override included) and prints the held-out
in-scope intent accuracy (target >= 0.95). A benchmark, not a test: it exits 0 when it ran.

Run from the repository root: ``.venv/bin/python bench/urgent_routes.py [--model models/<name>.tar.gz]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ["RASA_TELEMETRY_ENABLED"] = "false"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from actions.urgent_routes import URGENT_INTENTS  # noqa: E402  (after the environment Rasa reads at import)
from evaluation.manifest import URGENT_SET  # noqa: E402

DEV_SET = REPO_ROOT / URGENT_SET
HELDOUT = REPO_ROOT / "nlu_heldout"
TARGET_IN_SCOPE_ACCURACY = 0.95
Labelled = list[tuple[str, str | None]]  # (text, urgent route or None)


def dev_set(path: Path = DEV_SET) -> Labelled:
    """The development set: (message, route) for urgent messages, (message, None) for near misses."""
    from evaluation.datasets import load_urgent_set

    labelled: Labelled = [(e.text, e.intent) for e in load_urgent_set(path)]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return labelled + [(text, None) for text in data["near_miss"]]


def heldout_set(folder: Path = HELDOUT) -> tuple[Labelled, list[tuple[str, str]]]:
    """The held-out set as urgent-or-not, and every held-out (message, gold intent) for the accuracy."""
    from evaluation.datasets import load_examples

    examples = load_examples(folder)
    labelled = [(e.text, e.intent if e.intent in URGENT_INTENTS else None) for e in examples]
    return labelled, [(e.text, e.intent) for e in examples]


def report(name: str, labelled: Labelled, predict: Callable[[Sequence[str]], list[str | None]]) -> None:
    """Print recall per route and the false-urgent rate for one set and one predictor."""
    predicted = predict([text for text, _ in labelled])
    print(f"\n{name}")
    misses = []
    for route in URGENT_INTENTS:
        rows = [(t, p) for (t, gold), p in zip(labelled, predicted, strict=True) if gold == route]
        if not rows:
            continue
        hits = sum(p == route for _, p in rows)
        misses += [(route, t, p) for t, p in rows if p != route]
        print(f"  recall {route:22s} {hits:3d}/{len(rows):3d} = {hits / len(rows):.3f}")
    urgent_total = sum(gold is not None for _, gold in labelled)
    urgent_hits = sum(gold is not None and p == gold for (_, gold), p in zip(labelled, predicted, strict=True))
    print(f"  recall {'all urgent routes':22s} {urgent_hits:3d}/{urgent_total:3d} = "
          f"{urgent_hits / max(urgent_total, 1):.3f}")
    false = [(t, p) for (t, gold), p in zip(labelled, predicted, strict=True) if gold is None and p in URGENT_INTENTS]
    others = sum(gold is None for _, gold in labelled)
    print(f"  false-urgent rate             {len(false):3d}/{others:3d} = {len(false) / max(others, 1):.3f}")
    for route, text, got in misses:
        print(f"    missed  {route} -> {got}: {text}")
    for text, got in false:
        print(f"    false   -> {got}: {text}")


def override_predictor() -> Callable[[Sequence[str]], list[str | None]]:
    """The urgent-phrase override alone (nlu_components/urgent_phrases.yml)."""
    from nlu_components.urgent import load_phrases, match_urgent

    phrases = load_phrases()
    return lambda texts: [match_urgent(text, phrases) for text in texts]


def main(argv: list[str] | None = None) -> int:
    """Print the figures for the override, and for a trained model when one is given."""
    parser = argparse.ArgumentParser(prog="bench/urgent_routes.py", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a trained model (.tar.gz) to parse the sets with as well")
    args = parser.parse_args(argv)
    dev = dev_set()
    heldout, gold_intents = heldout_set()
    override = override_predictor()
    report("override alone: development set (bench/data/urgent_dev.yml)", dev, override)
    report("override alone: nlu_heldout/", heldout, override)
    if args.model:
        from evaluation import model as m

        agent = m.load_agent(args.model)
        cache: dict[str, str] = {}

        def parse(texts: Sequence[str]) -> list[str | None]:
            todo = [t for t in dict.fromkeys(texts) if t not in cache]
            for text, prediction in zip(todo, m.parse_many(agent, todo), strict=True):
                cache[text] = prediction.intent
            return [cache[t] for t in texts]

        report(f"model {Path(args.model).name}: development set", dev, parse)
        report(f"model {Path(args.model).name}: nlu_heldout/", heldout, parse)
        predicted = parse([t for t, _ in gold_intents])
        in_scope = [(gold, p) for (_, gold), p in zip(gold_intents, predicted, strict=True) if gold != m.OUT_OF_SCOPE]
        accuracy = sum(gold == p for gold, p in in_scope) / max(len(in_scope), 1)
        verdict = "met" if accuracy >= TARGET_IN_SCOPE_ACCURACY else "not met"
        print(f"\nheld-out in-scope intent accuracy: {accuracy:.3f} over {len(in_scope)} messages "
              f"(target >= {TARGET_IN_SCOPE_ACCURACY}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
