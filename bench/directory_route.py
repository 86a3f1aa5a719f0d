"""What residents get once the A to Z sits behind the classifier: held-out NLU figures and the end-to-end route.

For a trained model (`--model`, and optionally `--baseline` to print both side by side) it parses:

- `nlu_heldout/` (never trained on): intent accuracy, out-of-scope recall and the false-fallback rate as the
  console's gate counts them (council_service is a wrong intent for an in-scope message, and not an
  out-of-scope one), then the end-to-end figures: an out-of-scope message ends in the out-of-scope answer
  when the classifier says out of scope / fallback / council_service and the A to Z finds nothing above
  its threshold; an in-scope message is lost when the classifier sends it to the A to Z.
- `bench/data/directory_queries.yml` (never trained on): for queries about a service, the share the
  assistant answers with that service or starts that service's task; for negatives, the share that end in
  the out-of-scope answer.

Targets (issue 8): in-scope accuracy >= 0.95, out-of-scope recall >= 0.85, false fallback <= 0.05.

    .venv/bin/python bench/directory_route.py --model models/<name>.tar.gz [--baseline models/<main>.tar.gz]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from evaluation.datasets import load_examples
from evaluation.metrics import OUT_OF_SCOPE
from evaluation.model import load_agent, parse_many
from service_directory.ranking import THRESHOLD, DirectoryRanker

ROOT = Path(__file__).resolve().parent.parent

DIRECTORY_ROUTES = {OUT_OF_SCOPE, "council_service"}  # what rules send to action_service_directory


def figures(model: str, services: list[dict], ranker: DirectoryRanker) -> dict[str, float]:
    examples = load_examples(ROOT / "nlu_heldout")
    queries = yaml.safe_load((ROOT / "bench/data/directory_queries.yml").read_text())
    query_list = [q for half in ("tune", "test") for q in queries[half]]
    agent = load_agent(model)
    predicted = parse_many(agent, [e.text for e in examples] + [q["q"] for q in query_list])
    heldout, routed = predicted[: len(examples)], predicted[len(examples):]
    by_id = {s["id"]: s for s in services}

    def answered(text: str) -> str | None:
        best = ranker.best(text, THRESHOLD)
        return best.service_id if best else None

    in_scope = [(e, p) for e, p in zip(examples, heldout, strict=True) if e.intent != OUT_OF_SCOPE]
    oos = [(e, p) for e, p in zip(examples, heldout, strict=True) if e.intent == OUT_OF_SCOPE]
    result = {
        "heldout accuracy (gate)": sum(e.intent == p.intent for e, p in zip(examples, heldout, strict=True))
        / len(examples),
        "heldout in-scope accuracy": sum(e.intent == p.intent for e, p in in_scope) / len(in_scope),
        "heldout out-of-scope recall (gate)": sum(p.intent == OUT_OF_SCOPE for _, p in oos) / len(oos),
        "heldout false fallback": sum(p.intent == OUT_OF_SCOPE for _, p in in_scope) / len(in_scope),
        "heldout in-scope sent to the A to Z": sum(p.intent in DIRECTORY_ROUTES for _, p in in_scope) / len(in_scope),
        "heldout out-of-scope answered 'can't help' end to end": sum(
            p.intent in DIRECTORY_ROUTES and answered(e.text) is None for e, p in oos) / len(oos),
    }
    positives = [(q, p) for q, p in zip(query_list, routed, strict=True) if q["service"]]
    negatives = [(q, p) for q, p in zip(query_list, routed, strict=True) if not q["service"]]

    def right(query: dict, prediction) -> bool:
        service = by_id[query["service"]]
        if prediction.raw_intent == service.get("task"):
            return True
        return prediction.intent in DIRECTORY_ROUTES and answered(query["q"]) == query["service"]

    result["A to Z queries answered with their service or task"] = sum(right(q, p) for q, p in positives) / len(
        positives)
    result["A to Z negatives answered 'can't help' end to end"] = sum(
        p.intent in DIRECTORY_ROUTES and answered(q["q"]) is None for q, p in negatives) / len(negatives)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--baseline", help="a model to compare with (for example main's)")
    args = parser.parse_args()
    services = yaml.safe_load((ROOT / "council_backend/seed/services.yml").read_text())["services"]
    ranker = DirectoryRanker(services)
    runs = {"model": figures(args.model, services, ranker)}
    if args.baseline:
        runs["baseline"] = figures(args.baseline, services, ranker)
    print(f"model: {args.model}" + (f"\nbaseline: {args.baseline}" if args.baseline else ""))
    print(f"{'figure':58} " + "  ".join(f"{name:>8}" for name in runs))
    for key in runs["model"]:
        print(f"{key:58} " + "  ".join(f"{run[key]:8.3f}" for run in runs.values()))
    print("targets: in-scope accuracy >= 0.95, out-of-scope recall >= 0.85, false fallback <= 0.05")


if __name__ == "__main__":
    main()
