"""The model registry: every model the console knows, which one is live, and its held-out evaluation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import scoped_session

from evaluation.conversation_tests import run_conversation_tests
from evaluation.manifest import fingerprint
from evaluation.rasa_process import rasa_env
from staff_console.db import ModelRecord, session_scope


def beside(model: Path, suffix: str) -> Path:
    """A file kept next to a model archive: ``console-1.tar.gz`` -> ``console-1<suffix>``."""
    return model.with_name(model.name.removesuffix(".tar.gz") + suffix)


class ModelRegistry:
    """Models in the console database (``ModelRecord``): registering, finding the live one, adopting Rasa's."""

    def __init__(self, sessions: scoped_session, models_dir: Path, root: Path, rasa_url: str,
                 adopt_running: bool = True, rasa_token: str | None = None) -> None:
        self.sessions, self.models_dir, self.root = sessions, Path(models_dir), Path(root)
        self.rasa_url, self.adopt_running = rasa_url.rstrip("/"), adopt_running
        self.rasa_params = {"token": rasa_token} if rasa_token else {}  # Rasa's HTTP API token (``?token=``)

    def register(self, model: Path, status: str = "candidate") -> int:
        """The registry id of ``model``, adding it when new."""
        with session_scope(self.sessions) as session:
            record = session.execute(select(ModelRecord).where(ModelRecord.path == str(model))).scalar_one_or_none()
            if record is None:
                record = ModelRecord(path=str(model), status=status)
                session.add(record)
                session.flush()
            return record.id

    def path(self, record_id: int) -> Path:
        """Where a registered model's archive is."""
        with session_scope(self.sessions) as session:
            return Path(session.get(ModelRecord, record_id).path)

    def live_model_id(self) -> int | None:
        """The registry id of the live model (the last one published)."""
        with session_scope(self.sessions) as session:
            record = session.execute(select(ModelRecord).where(ModelRecord.status == "live")).scalars().first()
            return record.id if record else None

    def mark_live(self, record_id: int) -> None:
        """Make ``record_id`` the one live model (the others retire)."""
        with session_scope(self.sessions) as session:
            for other in session.execute(select(ModelRecord).where(ModelRecord.status == "live")).scalars():
                other.status = "retired"
            session.get(ModelRecord, record_id).status = "live"

    def record_gate(self, record_id: int, report: dict[str, Any]) -> None:
        """Keep the gate's report on the model; a refused model is never offered again as a candidate."""
        with session_scope(self.sessions) as session:
            record = session.get(ModelRecord, record_id)
            record.gate_report = json.dumps(report)
            record.status = "candidate" if report["passed"] else "refused"

    def adopt_running_model(self) -> int | None:
        """Register the model Rasa runs now as the live one, if found locally (None when not enabled or not found).

        Rasa may run another model than the registry's last publication (``make run`` starts the model it
        trained); the gate must compare with what residents actually get.
        """
        if not self.adopt_running:
            return None
        try:
            answer = requests.get(f"{self.rasa_url}/status", params=self.rasa_params, timeout=10)
            name = answer.json().get("model_file") or ""
        except (requests.RequestException, ValueError):
            return None
        for candidate in (Path(name), self.models_dir / Path(name).name, self.root / "models" / Path(name).name):
            if name and candidate.is_file():
                record_id = self.register(candidate.resolve(), status="live")
                self.mark_live(record_id)
                return record_id
        return None

    def live_or_running(self) -> int | None:
        """What residents get now: the model Rasa runs when it can be found, else the registry's live one."""
        return self.adopt_running_model() or self.live_model_id()


class Evaluations:
    """Each model's held-out evaluation and conversation tests, kept beside it so each is computed once.

    ``<model>.eval.json``: the held-out set (and the urgent set) evaluation; ``<model>.conversations.json``: the
    conversation tests. Both are made again when the sets they were made on change.
    """

    def __init__(self, sessions: scoped_session, heldout_dir: Path, root: Path, urgent_set: Path | None = None,
                 conversation_tests: Path | None = None) -> None:
        self.sessions, self.heldout_dir, self.root = sessions, Path(heldout_dir), Path(root)
        self.urgent_set = Path(urgent_set).resolve() if urgent_set else None
        self.conversation_tests = Path(conversation_tests).resolve() if conversation_tests else None

    def _model(self, record_id: int) -> Path:
        with session_scope(self.sessions) as session:
            return Path(session.get(ModelRecord, record_id).path)

    def evaluation(self, record_id: int) -> dict[str, Any]:
        """The model's evaluation on the held-out set, from the JSON beside it or made now in a subprocess.

        A subprocess, so the console never imports TensorFlow (``staff_console.evaluate``).

        Raises:
            RuntimeError: the evaluation failed, or its file cannot be written.

        """
        model = self._model(record_id)
        out = beside(model, ".eval.json")
        heldout = str(self.heldout_dir.resolve())
        urgent = str(self.urgent_set) if self.urgent_set else None
        result = json.loads(out.read_text()) if out.exists() else None
        if result is None or result.get("heldout") != heldout or result.get("urgent_set") != urgent:
            _writable(out)
            command = [sys.executable, "-m", "staff_console.evaluate", str(model), heldout, str(out)]
            done = subprocess.run(command + (["--urgent-set", urgent] if urgent else []),
                                  cwd=self.root, env=rasa_env(self.root), capture_output=True, text=True,
                                  timeout=1800)
            if done.returncode != 0:
                raise RuntimeError(f"evaluation failed: {done.stderr[-1500:]}")
            result = json.loads(out.read_text())
        with session_scope(self.sessions) as session:
            record = session.get(ModelRecord, record_id)
            record.evaluation_path = str(out)
            record.accuracy, record.macro_f1, record.oos_recall = (result["accuracy"], result["macro_f1"],
                                                                   result["oos_recall"])
        return result

    def conversations(self, record_id: int) -> dict[str, Any] | None:
        """The model's conversation-test result (``evaluation.conversation_tests``); None when none are set.

        Kept in ``<model>.conversations.json`` with the fingerprint of the stories it ran.

        Raises:
            RuntimeError: ``rasa test core`` failed, or the result cannot be written.

        """
        if self.conversation_tests is None:
            return None
        model = self._model(record_id)
        out = beside(model, ".conversations.json")
        stories = fingerprint([self.conversation_tests])
        result = json.loads(out.read_text()) if out.exists() else None
        if result is None or result.get("fingerprint") != stories:
            _writable(out)
            with tempfile.TemporaryDirectory(prefix="conversation-tests-") as folder:
                result = run_conversation_tests(model, self.conversation_tests, Path(folder), self.root)
            result["fingerprint"] = stories
            out.write_text(json.dumps(result, indent=1), encoding="utf-8")
        return result


def _writable(path: Path) -> None:
    if path.exists() and not os.access(path, os.W_OK):
        raise RuntimeError(f"cannot write {path}")
