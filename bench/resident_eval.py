"""Resident-style evaluation: first messages through the running stack, judged on the first reply.

Each message of ``bench/resident_eval_set/`` is the first message of a new conversation; the figures are per
category.

By default it starts the stack itself as the integration tests do (reference backend with its clock fixed and a
temporary database, action server, Rasa with ``models/current``'s model, on free ports) and stops it afterwards;
``--rasa-url`` uses a running stack instead. ``--channel voice`` sends through the voice channel's webhook
(``channel: voice`` responses), ``both`` runs chat then voice. The judging is in ``evaluation/resident.py``.
A benchmark, not a test: it exits 0 whatever the figures.

    .venv/bin/python bench/resident_eval.py --channel both
    .venv/bin/python bench/resident_eval.py --rasa-url http://127.0.0.1:5005 --verbose
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import requests

from evaluation import resident as judge
from evaluation.resident import ask
from local_stack import models
from local_stack.services import FIXED_NOW, Stack, embedded_stack

REPO_ROOT = Path(__file__).resolve().parent.parent

API_KEY = "eval-key-not-a-secret"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/resident_eval.py", description=__doc__.split("\n")[0])
    parser.add_argument("--set", default=str(judge.DEFAULT_SET), help="evaluation set, a YAML file or folder")
    parser.add_argument("--model", help="model for the stack started here (default: the one models/current names)")
    parser.add_argument("--rasa-url", help="use this running Rasa (HTTP API enabled) instead of starting a stack")
    parser.add_argument("--token", help="Rasa's --auth-token, when its HTTP API needs one")
    parser.add_argument("--channel", choices=("chat", "voice", "both"), default="chat")
    parser.add_argument("--category", action="append", help="only these categories (repeatable)")
    parser.add_argument("--now", default=FIXED_NOW, help="the backend's fixed clock (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="list every message not helped and what happened")
    parser.add_argument("--out-dir", default="bench/out", help="where resident_eval_<channel>.json goes")
    parser.add_argument("--baseline", metavar="DIR",
                        help="folder of an earlier run's resident_eval_<channel>.json: list the messages that flipped")
    parser.add_argument("--check", action="store_true", help="only check the set is well formed, send nothing")
    return parser.parse_args(argv)


def current_model() -> Path:
    try:
        return models.current_model()
    except FileNotFoundError as error:
        raise SystemExit(f"{error}, or pass --model or --rasa-url.") from None


def start_stack(model: Path, work: Path, now: str) -> tuple[Stack, str, str]:
    """The integration tests' stack (``local_stack.services.embedded_stack``): the stack, Rasa's URL, its token."""
    started = embedded_stack(model, work, API_KEY, now=now)
    return started.stack, started.rasa_url, started.rasa_token


def run_channel(rasa_url: str, channel: str, items: list[judge.Item], token: str | None) -> list[judge.Result]:
    starters = judge.task_starters()
    results = []
    with requests.Session() as session:
        for item in items:
            reply = ask(session, rasa_url, channel, item.text, token)
            results.append(judge.Result(item, judge.judge(item.expect, judge.outcome_of(reply, starters)), reply))
    return results


def report(results: list[judge.Result], channel: str, seconds: float, args: argparse.Namespace) -> None:
    figures = judge.summary(results)
    print(judge.format_report(figures, channel))
    print(f"  ({seconds:.0f} s, {seconds / max(1, len(results)):.2f} s a message)")
    if args.verbose:
        print(f"\nNot helped on the first reply ({channel}):")
        print(judge.format_failures(results))
    out = REPO_ROOT / args.out_dir if not Path(args.out_dir).is_absolute() else Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = [{"text": r.item.text, "category": r.item.category, "expected": judge.expectation_text(r.item.expect),
             "helped": r.verdict.helped, "outcome": r.verdict.outcome.describe(), "intent": r.reply.intent,
             "actions": r.reply.actions, "said": r.reply.texts} for r in results]
    if args.baseline:
        earlier = Path(args.baseline) / f"resident_eval_{channel}.json"
        flips = judge.changes(json.loads(earlier.read_text())["results"], rows)
        for label, lines in flips.items():
            print(f"\n{label.replace('_', ' ')} since {earlier} ({len(lines)}):")
            print("\n".join(f"  {line}" for line in lines) or "  none")
    (out / f"resident_eval_{channel}.json").write_text(
        json.dumps({"model": args.model or args.rasa_url or "", "figures": figures, "results": rows}, indent=1))
    print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    items = judge.load_items(args.set)
    ids = judge.service_ids()
    if ids is None:
        print(f"WARNING: no {judge.SERVICES_FILE.relative_to(REPO_ROOT)}: the A to Z does not exist here, so no "
              "service id of the set is checked and no service: item can be helped by a directory answer")
        ids = set().union(*(item.expect.services for item in items))
    found = judge.problems(items, judge.domain_intents(), ids)
    if found:
        print(f"WARNING: {len(found)} problems in the evaluation set (first 10):\n  " + "\n  ".join(found[:10]))
    if args.check:
        print(f"{len(items)} messages, {len(found)} problems")
        return 0
    if args.category:
        items = [item for item in items if item.category in args.category]
    channels = ("chat", "voice") if args.channel == "both" else (args.channel,)
    stack = None
    with tempfile.TemporaryDirectory(prefix="resident-eval-") as work:
        try:
            rasa_url = args.rasa_url
            if not rasa_url:
                model = Path(args.model) if args.model else current_model()
                args.model = str(model)
                print(f"Starting the stack with {model} ...", flush=True)
                stack, rasa_url, args.token = start_stack(model, Path(work), args.now)
            for channel in channels:
                started = time.monotonic()
                results = run_channel(rasa_url.rstrip("/"), channel, items, args.token)
                report(results, channel, time.monotonic() - started, args)
        finally:
            if stack is not None:
                stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
