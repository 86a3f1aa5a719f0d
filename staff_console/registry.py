"""The model registry: every model the console knows, which one is live, and its held-out evaluation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import scoped_session

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
    """Each model's held-out evaluation, kept in ``<model>.eval.json`` so it is computed once per held-out set."""

    def __init__(self, sessions: scoped_session, heldout_dir: Path, root: Path) -> None:
        self.sessions, self.heldout_dir, self.root = sessions, Path(heldout_dir), Path(root)

    def evaluation(self, record_id: int) -> dict[str, Any]:
        """The model's evaluation on the held-out set, from the JSON beside it or made now in a subprocess.

        A subprocess, so the console never imports TensorFlow (``staff_console.evaluate``).

        Raises:
            RuntimeError: the evaluation failed, or its file cannot be written.

        """
        with session_scope(self.sessions) as session:
            model = Path(session.get(ModelRecord, record_id).path)
        out = beside(model, ".eval.json")
        heldout = str(self.heldout_dir.resolve())
        result = json.loads(out.read_text()) if out.exists() else None
        if result is None or result.get("heldout") != heldout:
            if out.exists() and not os.access(out, os.W_OK):
                raise RuntimeError(f"cannot write {out}")
            done = subprocess.run(
                [sys.executable, "-m", "staff_console.evaluate", str(model), heldout, str(out)],
                cwd=self.root, env=rasa_env(self.root), capture_output=True, text=True, timeout=1800,
            )
            if done.returncode != 0:
                raise RuntimeError(f"evaluation failed: {done.stderr[-1500:]}")
            result = json.loads(out.read_text())
        with session_scope(self.sessions) as session:
            record = session.get(ModelRecord, record_id)
            record.evaluation_path = str(out)
            record.accuracy, record.macro_f1, record.oos_recall = (result["accuracy"], result["macro_f1"],
                                                                   result["oos_recall"])
        return result
