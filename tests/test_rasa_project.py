"""Rasa's own checks on the project: data validation and the conversation tests (test stories)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from evaluation.manifest import rasa_data_args
from evaluation.rasa_process import RASA_COMMAND, rasa_env
from local_stack.services import ROOT

RASA_DATA = rasa_data_args()
ENV = rasa_env(ROOT, {"ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook"})


def _run(args: list[str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


ACTIONS_SOURCE = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")


def _used_outside_stories(response: str) -> bool:
    """Responses uttered by name: by actions (literally, or as utter_info_<intent> / utter_<urgent intent>),
    by forms asking for a required slot (utter_ask_[<form>_]<slot>), or by Rasa's fallback (utter_default)."""
    from rasa.shared.core.domain import Domain

    from actions.information import INFORMATION_INTENTS
    from actions.urgent import URGENT_INTENTS

    domain = Domain.load(str(ROOT / "bot" / "domain"))
    asked = {
        name
        for form, spec in domain.forms.items()
        for slot in spec["required_slots"]
        for name in (f"utter_ask_{slot}", f"utter_ask_{form}_{slot}")
    }
    dynamic = {f"utter_info_{i}" for i in INFORMATION_INTENTS} | {f"utter_{i}" for i in URGENT_INTENTS}
    return f'"{response}"' in ACTIONS_SOURCE or response in dynamic | asked | {"utter_default"}


def test_rasa_data_validate_is_clean() -> None:
    """`rasa data validate` finds no error, and its only warnings are responses that actions utter by name."""
    result = _run([*RASA_COMMAND, "data", "validate", *RASA_DATA])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # Rasa 3.6 raises the auto-fill notice for every domain with slots, whatever they say.
    warnings = [
        line for line in output.splitlines() if "UserWarning" in line and "auto-fill has been removed" not in line
    ]
    unexplained = [w for w in warnings if not (m := UNUSED_RESPONSE.search(w)) or not _used_outside_stories(m[1])]
    assert unexplained == [], "\n".join(unexplained)


def test_conversation_stories_pass_without_prediction_errors(model_path: Path, tmp_path: Path) -> None:
    result = _run([
        *RASA_COMMAND, "test", "core", "--model", str(model_path), "--stories", "tests/conversations",
        "--out", str(tmp_path), "--fail-on-prediction-errors",
    ])
    report = (tmp_path / "failed_test_stories.yml")
    details = report.read_text() if report.exists() else ""
    assert result.returncode == 0, (result.stdout[-3000:] + result.stderr[-3000:] + details)[-8000:]
