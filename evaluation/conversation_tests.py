"""The conversation tests (Rasa test stories) run against one trained model, with the stories that failed.

``rasa test core`` predicts each story's next actions with the model's dialogue policies (no action server is
called), so a model whose dialogue went wrong (a fine-tune of TED, say) is caught before residents meet it.
Run without ``--fail-on-prediction-errors``, which stops at the first wrong prediction: every failed story is
written to ``failed_test_stories.yml`` with Rasa's ``# predicted: ...`` notes, and the staff console shows them.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from evaluation.manifest import ROOT
from evaluation.rasa_process import RASA_COMMAND, rasa_env

FAILED_STORIES = "failed_test_stories.yml"
STORY_REPORT = "story_report.json"
# Rasa writes each failed story's name with the file it came from: "- story: bin day (tests/conversations/x.yml)".
STORY = re.compile(r"^- story: (?P<name>.+?)(?: \((?P<source>[^()]+\.ya?ml)\))?\s*$")
# A step Rasa marks as wrong: "- action: utter_x  # predicted: action_y" (or an intent it could not match).
WRONG = re.compile(r"^\s*- (?P<kind>action|intent|active_loop|slot_was_set): (?P<expected>.*?)\s+"
                   r"# predicted: (?P<predicted>.+?)\s*$")
# `rasa test core` reads endpoints.yml, whose action endpoint names this variable; nothing calls it in a test.
UNUSED_ACTION_ENDPOINT = "http://127.0.0.1:9/webhook"


def failed_stories(text: str) -> list[dict[str, Any]]:
    """The failed stories of a ``failed_test_stories.yml`` text: each story's name and its wrong steps."""
    stories: list[dict[str, Any]] = []
    for line in text.splitlines():
        story = STORY.match(line)
        if story:
            stories.append({"story": story["name"].strip("'\""), "file": Path(story["source"] or "").name,
                            "wrong": []})
            continue
        wrong = WRONG.match(line)
        if wrong and stories:
            stories[-1]["wrong"].append(f"expected {wrong['expected']}, predicted {wrong['predicted']}")
    return stories


def run_conversation_tests(model: Path, stories: Path, out_dir: Path, root: Path = ROOT,
                           timeout: float = 1800) -> dict[str, Any]:
    """Run the test stories against ``model``; ``{"passed", "failed", "total", "seconds", "stories"}``.

    ``failed`` lists each failed story with its wrong steps; ``total`` is how many stories ran (None when Rasa
    wrote no report).

    Raises:
        RuntimeError: ``rasa test core`` itself failed (the message holds its output's tail).

    """
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    done = subprocess.run(
        [*RASA_COMMAND, "test", "core", "--model", str(model), "--stories", str(stories), "--out", str(out_dir),
         "--no-plot"],
        cwd=root, env=rasa_env(root, {"ACTION_ENDPOINT_URL": UNUSED_ACTION_ENDPOINT}),
        capture_output=True, text=True, timeout=timeout,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"rasa test core exited with {done.returncode}: {(done.stdout + done.stderr)[-1500:]}")
    report_path, failed_path = out_dir / STORY_REPORT, out_dir / FAILED_STORIES
    failed = failed_stories(failed_path.read_text(encoding="utf-8")) if failed_path.exists() else []
    total = None
    if report_path.exists():
        total = (json.loads(report_path.read_text()).get("conversation_accuracy") or {}).get("total")
    return {"passed": not failed, "failed": failed, "total": total, "seconds": round(seconds, 1),
            "stories": str(stories)}
