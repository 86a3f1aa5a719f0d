"""Fine-tuning the live model against training from scratch, on the same staff correction, several times each.

Takes the predecessor model (default: ``models/current``), copies ``nlu_data/`` to a temp folder and makes one
correction there as the inbox does (``staff_console.testing.SAMPLE_CORRECTION``), then trains candidates the
way the console does (``staff_console.training.TrainingRunner``): fine-tuning the predecessor with a fraction of
the epochs, and from scratch. Runs alternate (fine-tune, scratch, fine-tune, ...) so a short run still compares
both. Each training holds ``/tmp/train.lock`` (one training at a time on this machine); each starts from a copy
of the same Rasa training cache (``--cache``: the console's cache is warm with the live model's training, so its
dialogue policy is reused when only NLU examples changed; without it, everything trains).

For the predecessor and each candidate it prints what the gate looks at (``staff_console.evaluate``, the
``evaluation`` package): held-out in-scope accuracy, the share of in-scope messages sent to the fallback,
out-of-scope recall, urgent recall (held-out urgent intents and ``bench/data/urgent_dev.yml``), whether the
corrected message is now right, the conversation tests, the gate's verdict against the predecessor, and the
training time; then the mean of each kind. Nothing in the repository changes.

Run from the repository root: ``.venv/bin/python bench/finetune_vs_scratch.py [--runs 2] [--fractions 0.05]
[--cache /path/to/.rasa/cache] [--model models/<name>.tar.gz]``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evaluation.conversation_tests import run_conversation_tests
from evaluation.rasa_process import quiet_rasa_in_this_process
from local_stack.models import current_model
from staff_console.config import ROOT, ConsoleConfig
from staff_console.gate import gate
from staff_console.testing import SAMPLE_CORRECTION
from staff_console.training import TrainingRunner
from staff_console.training_data import TrainingData

TRAIN_LOCK = Path("/tmp/train.lock")
COLUMNS = ("in-scope acc", "fallback", "OOS recall", "urgent recall", "correction", "conv. tests", "gate",
           "train s")


@contextmanager
def training_lock() -> Any:
    """Hold the machine's training lock (the one `flock /tmp/train.lock` takes) while one model trains."""
    with TRAIN_LOCK.open("a") as handle:
        waited = time.monotonic()
        fcntl.flock(handle, fcntl.LOCK_EX)
        if time.monotonic() - waited > 1:
            print(f"  (waited {time.monotonic() - waited:.0f} s for {TRAIN_LOCK})", flush=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def measure(model: Path, config: ConsoleConfig, work: Path, message: str, intent: str) -> dict[str, Any]:
    """What the gate sees of ``model``, whether it learnt the correction, and its conversation tests."""
    from evaluation.model import load_agent, parse_many
    from staff_console.evaluate import evaluate_agent

    started = time.monotonic()
    agent = load_agent(model)
    evaluation = evaluate_agent(agent, model, config.heldout_dir, config.urgent_set)
    evaluation["correction_learnt"] = parse_many(agent, [message])[0].intent == intent
    evaluation["evaluation_seconds"] = time.monotonic() - started
    evaluation["conversations"] = run_conversation_tests(model, config.conversation_tests,
                                                         work / f"{model.name}-conversations")
    return evaluation


def row(name: str, e: dict[str, Any], verdict: str, seconds: float | None) -> str:
    """One line of the table."""
    fallback = sum(p["gold"] != "out_of_scope" and p["predicted"] == "out_of_scope" for p in e["predictions"])
    conv = e["conversations"]
    cells = (f"{e['in_scope_accuracy']:.3f}", f"{e['fallback_rate']:.3f} ({fallback})", f"{e['oos_recall']:.3f}",
             f"{e['urgent_recall']:.3f}", "learnt" if e["correction_learnt"] else "not learnt",
             f"{conv['total'] - len(conv['failed'])}/{conv['total']}" if conv["total"] else "?", verdict,
             f"{seconds:.0f}" if seconds is not None else "-")
    return f"{name:24s} " + " ".join(f"{c:>{max(len(h), 14)}s}" for h, c in zip(COLUMNS, cells, strict=True))


def print_means(results: dict[str, list[dict[str, Any]]], title: str) -> None:
    """The mean of each kind's figures (the predecessor's are in the table, measured in the same run)."""
    print(f"\n{title}")
    for kind, runs in results.items():
        if not runs:
            continue
        figures = {name: statistics.mean(r["evaluation"][name] for r in runs)
                   for name in ("in_scope_accuracy", "fallback_rate", "oos_recall", "urgent_recall")}
        print(f"  {kind:14s} runs {len(runs)}  in-scope acc {figures['in_scope_accuracy']:.3f}  "
              f"fallback {figures['fallback_rate']:.3f}  OOS recall {figures['oos_recall']:.3f}  "
              f"urgent recall {figures['urgent_recall']:.3f}  "
              f"correction learnt {sum(r['evaluation']['correction_learnt'] for r in runs)}/{len(runs)}  "
              f"gate passed {sum(r['passed'] for r in runs)}/{len(runs)}  "
              f"train {statistics.mean(r['seconds'] for r in runs):.0f} s", flush=True)
    print(flush=True)


def main() -> int:
    """Train, measure and print; exit 0 when every planned run finished."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="the predecessor (default: the model models/current names)")
    parser.add_argument("--runs", type=int, default=2, help="repetitions of each kind (default 2)")
    parser.add_argument("--fractions", type=float, nargs="+", default=[ConsoleConfig.finetune_fraction],
                        help=f"fine-tune epoch fractions to try (default: the console's, "
                             f"{ConsoleConfig.finetune_fraction})")
    parser.add_argument("--cache", type=Path, help="a Rasa training cache to start each training from "
                                                   "(the console's: <checkout>/.rasa/cache); default: empty")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    quiet_rasa_in_this_process()
    model = args.model or current_model()
    model = (model if model.is_absolute() else ROOT / model).resolve()
    message, intent = SAMPLE_CORRECTION
    with tempfile.TemporaryDirectory(prefix="finetune-vs-scratch-") as folder:
        work = Path(folder)
        data = work / "nlu_data"
        shutil.copytree(ROOT / "nlu_data", data)
        config = ConsoleConfig(data_dir=data, models_dir=work / "models")
        written = TrainingData(data, config.heldout_dir).add_example(intent, message)
        print(f"predecessor: {model}\ncorrection: {message!r} -> {intent} ({written.outcome})", flush=True)
        base_cache = work / "base-cache"
        if args.cache:
            shutil.copytree(args.cache, base_cache)
        print(f"training cache: {'a copy of ' + str(args.cache) if args.cache else 'empty'} for each training\n",
              flush=True)

        before = measure(model, config, work, message, intent)
        print(f"{'':24s} " + " ".join(f"{h:>{max(len(h), 14)}s}" for h in COLUMNS))
        print(row("predecessor", before, "-", None), flush=True)
        kinds = [(f"fine-tune {f:g}", f) for f in args.fractions] + [("scratch", 0.0)]
        results: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in kinds}
        for run in range(1, args.runs + 1):
            for kind, fraction in kinds:
                # Rasa cuts a model name at its first dot ("fine-tune-0.05" would be saved as "fine-tune-0").
                label = kind.replace(" ", "-").replace(".", "_")
                cache = work / f"cache-{label}-{run}"
                shutil.copytree(base_cache, cache) if args.cache else cache.mkdir()
                os.environ["RASA_CACHE_DIRECTORY"] = str(cache)  # rasa_env passes it to `rasa train`
                runner = TrainingRunner(ConsoleConfig(data_dir=data, models_dir=work / "models",
                                                      finetune_fraction=fraction))
                with training_lock():
                    started = time.monotonic()
                    trained = runner.train(f"{label}-{run}", model if fraction else None,
                                           lambda **_: None)
                    seconds = time.monotonic() - started
                shutil.rmtree(cache, ignore_errors=True)
                if fraction and not trained.name.endswith("-ft.tar.gz"):
                    kind_seen = f"{kind} (refused: from scratch)"
                else:
                    kind_seen = kind
                after = measure(trained, config, work, message, intent)
                verdict = gate(after, before, config.gate_tolerance, after["conversations"])
                shown = "passed" if verdict.passed else "refused: " + ",".join(r["check"] for r in verdict.refusals)
                print(row(f"{kind_seen} #{run}", after, shown, seconds), flush=True)
                for refusal in verdict.refusals:
                    print(f"    {refusal['reason']} e.g. {refusal['examples'][:3]}", flush=True)
                results[kind].append({"seconds": seconds, "evaluation": after, "passed": verdict.passed,
                                      "refusals": verdict.refusals})
            # After each repetition, so a run stopped early still leaves its figures.
            print_means(results, f"mean of each kind after {run} repetition{'s' if run > 1 else ''}")
        if args.json:
            slim = {kind: [{**r, "evaluation": {k: v for k, v in r["evaluation"].items()
                                                if k not in ("predictions", "urgent", "per_intent")}}
                           for r in runs] for kind, runs in results.items()}
            args.json.write_text(json.dumps(slim, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
