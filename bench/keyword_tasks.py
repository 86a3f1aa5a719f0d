"""How many resident-style keyword messages start the right task (issue 8 section 1), with a trained model.

The task of a message is its intent, or, for a bare value (``inform``), what the router does with it
(``actions.routing.task_for``); the fallback and the A to Z count as ``none``. Messages come from
``bench/keyword_dev.yml`` (a development list, never trained on: overlaps with ``nlu_data/`` are reported).

    .venv/bin/python bench/keyword_tasks.py --model models/<name>.tar.gz
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import yaml

from actions.routing import task_for
from evaluation import datasets as nlu_datasets
from evaluation import metrics as nlu_metrics
from evaluation import model as nlu_model
from evaluation import text as nlu_text

REPO_ROOT = Path(__file__).resolve().parent.parent

NO_TASK = frozenset({"service_directory", "invalid_reference"})


def task_of(parse: dict, router: bool = True) -> str:
    """The task a parse result starts: its intent, or the router's task for a bare value.

    Without the router (``--no-router``: the assistant before it), a bare value started nothing ("Thanks").
    """
    intent = (parse.get("intent") or {}).get("name")
    if intent is None or intent in nlu_metrics.FALLBACK_INTENTS:
        return "none"
    if intent != "inform":
        return intent
    if not router:
        return "none"
    entities: dict[str, str] = {}
    for entity in parse.get("entities") or []:
        entities.setdefault(entity["entity"], str(entity["value"]))
    task = task_for(entities)
    return "none" if task in NO_TASK else task


def main(argv: list[str] | None = None) -> int:
    """Parse every development message and print per-task and overall figures, and the misses."""
    parser = argparse.ArgumentParser(prog="bench/keyword_tasks.py", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a trained model (.tar.gz) or a folder of them")
    parser.add_argument("--dev", default=str(REPO_ROOT / "bench" / "keyword_dev.yml"), help="development list")
    parser.add_argument("--nlu", default=str(REPO_ROOT / "nlu_data"), help="training data, for the overlap check")
    parser.add_argument("--no-router", action="store_true",
                        help="score a bare value as starting nothing, as before actions/routing.py")
    args = parser.parse_args(argv)

    expected = yaml.safe_load(Path(args.dev).read_text(encoding="utf-8"))
    pairs = [(str(text), task) for task, texts in expected.items() for text in texts]
    trained = {nlu_text.normalise_text(example.text) for example in nlu_datasets.load_examples(args.nlu)}
    overlap = [text for text, _ in pairs if nlu_text.normalise_text(text) in trained]

    model = nlu_model.load_agent(args.model)
    results = nlu_model.parse_results(model, [text for text, _ in pairs])
    right, total, misses = Counter(), Counter(), []
    for (text, task), parse in zip(pairs, results, strict=True):
        got = task_of(parse, router=not args.no_router)
        total[task] += 1
        if got == task:
            right[task] += 1
        else:
            misses.append((text, task, got, (parse.get("intent") or {}).get("confidence") or 0.0))

    print(f"model: {args.model}{' (without the router)' if args.no_router else ''}")
    print(f"{'task':28} right/total")
    for task in expected:
        print(f"  {task:26} {right[task]}/{total[task]}")
    n_right, n_total = sum(right.values()), sum(total.values())
    print(f"started the right task: {n_right}/{n_total} = {n_right / n_total:.3f}")
    print(f"messages also in nlu_data/ (should be few): {len(overlap)} {overlap}")
    for text, task, got, confidence in misses:
        print(f"  MISS {text!r}: expected {task}, got {got} ({confidence:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
