"""Retrain in the background, evaluate next to the live model, publish through the evaluation gate, roll back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import scoped_session

from evaluation.manifest import TrainingInputs
from evaluation.metrics import OUT_OF_SCOPE, normalise_intent
from evaluation.rasa_process import model_from_log, rasa_env, run_rasa_train
from local_stack.models import PUBLISHED
from staff_console.db import AuditEntry, ModelRecord, TrainingJob, utcnow

EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
# Share of the progress bar for each stage of `rasa train` (DIET epochs, then dialogue policies).
STAGES = {"nlu": (2, 15), "DIETClassifier": (15, 65), "core": (65, 85), "TEDPolicy": (70, 85)}


def beside(model: Path, suffix: str) -> Path:
    """A file kept next to a model archive: ``console-1.tar.gz`` -> ``console-1<suffix>``."""
    return model.with_name(model.name.removesuffix(".tar.gz") + suffix)


def gate(candidate: dict[str, Any], live: dict[str, Any] | None,
         tolerance: int = 0) -> tuple[bool, list[str]]:
    """Publish only if the candidate is not worse than the live model on accuracy and out-of-scope recall.

    ``tolerance`` is how many more held-out messages the candidate may get wrong on each measure before it
    counts as worse: two trainings on nearly the same data differ by a message or so by chance, and a strict
    gate would then keep every correction back. Returns (passed, reasons): what got worse, in plain English.
    """
    if live is None:
        return True, ["No live model with an evaluation to compare with: the first model is published."]
    reasons = []
    allowed = _allowance(tolerance, candidate.get("n"))
    if candidate["accuracy"] < live["accuracy"] - allowed - 1e-9:
        reasons.append(f"Accuracy fell from {live['accuracy']:.1%} to {candidate['accuracy']:.1%}"
                       f"{_wrong(candidate['accuracy'], live['accuracy'], candidate.get('n'))}.")
    new_oos, old_oos = candidate.get("oos_recall"), live.get("oos_recall")
    n_oos = _out_of_scope_count(candidate)
    if old_oos is not None and (new_oos is None or new_oos < old_oos - _allowance(tolerance, n_oos) - 1e-9):
        reasons.append(f"Out-of-scope recall fell from {old_oos:.1%} to {(new_oos or 0):.1%}"
                       f"{_wrong(new_oos or 0, old_oos, n_oos)}.")
    return not reasons, reasons


def _allowance(tolerance: int, n: int | None) -> float:
    return tolerance / n if tolerance and n else 0.0


def _wrong(new: float, old: float, n: int | None) -> str:
    return f" ({round((old - new) * n)} more held-out messages wrong)" if n else ""


def _out_of_scope_count(evaluation: dict[str, Any]) -> int | None:
    predictions = evaluation.get("predictions")
    if not predictions:
        return None
    return sum(normalise_intent(p["gold"]) == OUT_OF_SCOPE for p in predictions) or None


def worse_intents(candidate: dict[str, Any], live: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Intents whose F1 fell, worst first, with the candidate's confusion pairs that explain them."""
    if not live:
        return []
    out = []
    for intent, old in live.get("per_intent", {}).items():
        new = candidate.get("per_intent", {}).get(intent, {"f1": 0.0})
        if new["f1"] < old["f1"] - 1e-9:
            pairs = [p for p in candidate.get("confusion_pairs", []) if intent in (p["gold"], p["predicted"])]
            out.append({"intent": intent, "old_f1": old["f1"], "new_f1": new["f1"], "pairs": pairs[:3]})
    return sorted(out, key=lambda item: item["new_f1"] - item["old_f1"])


class TrainingProgress:
    """Turns the lines of ``rasa train``'s log into the job's progress bar and message."""

    def __init__(self, update: Callable[..., None]) -> None:
        self.update = update
        self.stage, self.message, self.last = "nlu", "", -1.0

    def read(self, line: str) -> None:
        """Follow one log line: a component starting, or the epochs' progress bar moving."""
        component = COMPONENT.search(line)
        if component:
            name = component.group(1)
            self.stage = name if name in STAGES else ("core" if "Policy" in name else self.stage)
            self.message = f"Training {name}"
        epochs = EPOCHS.search(line)
        low, high = STAGES.get(self.stage, STAGES["nlu"])
        progress = low + (high - low) * int(epochs.group(1)) / 100 if epochs else low
        if component or (epochs and progress - self.last >= 2):
            text = f"Training {self.stage} ({epochs.group(1)}% of epochs)" if epochs else self.message
            self.last = max(progress, self.last)  # the bar never moves back
            self.update(progress=round(self.last, 1), message=text)


class Trainer:
    """Runs one `rasa train` at a time in a background thread and records progress in the console DB."""

    def __init__(self, sessions: scoped_session, config: dict[str, Any]) -> None:
        self.sessions = sessions
        self.config = config
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    # -- jobs ------------------------------------------------------------------------------------
    def start(self, username: str) -> int | None:
        """Start a training job; None when one is already running (never two trainings at once)."""
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return None
            session = self.sessions()
            job = TrainingJob(status="training", progress=1.0, message="Starting training", username=username)
            session.add(job)
            session.add(AuditEntry(username=username, action="train", detail="Started retraining"))
            session.commit()
            job_id = job.id
            self.sessions.remove()
            self.thread = threading.Thread(target=self._run, args=(job_id, username), daemon=True)
            self.thread.start()
            return job_id

    def evaluate_live_in_background(self, attempts: int = 60, pause: float = 5.0) -> threading.Thread:
        """Cache the live model's held-out evaluation, so a retrain's gate does not wait for it.

        Rasa may still be loading when the console starts: try for a while, quietly.
        """

        def run() -> None:
            for _ in range(attempts):
                with self.lock:
                    busy = self.thread is not None and self.thread.is_alive()
                live_id = None if busy else (self.adopt_running_model() or self.live_model_id())
                if live_id:
                    try:
                        self.evaluation(live_id)
                    except Exception:  # noqa: BLE001 - the gate evaluates it again when needed
                        pass
                    return
                time.sleep(pause)

        thread = threading.Thread(target=run, daemon=True, name="evaluate-live-model")
        thread.start()
        return thread

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running job (if any) ends; for tests and the benchmark."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _update(self, job_id: int, **values: Any) -> None:
        session = self.sessions()
        job = session.get(TrainingJob, job_id)
        for key, value in values.items():
            setattr(job, key, value)
        session.commit()
        self.sessions.remove()

    def _run(self, job_id: int, username: str) -> None:
        try:
            model = self._train(job_id)
            self._update(job_id, status="evaluating", progress=86.0, message="Evaluating on the held-out set")
            record_id = self.register(model)
            candidate = self.evaluation(record_id)
            self._update(job_id, progress=93.0, message="Evaluating the live model", model_id=record_id)
            live_id = self.adopt_running_model() or self.live_model_id()
            live = self.evaluation(live_id) if live_id else None
            passed, reasons = gate(candidate, live, int(self.config.get("GATE_TOLERANCE", 0)))
            report = {"passed": passed, "reasons": reasons, "live_model_id": live_id,
                      "worse_intents": worse_intents(candidate, live) if not passed else [],
                      "candidate": _summary(candidate), "live": _summary(live) if live else None}
            session = self.sessions()
            record = session.get(ModelRecord, record_id)
            record.gate_report = json.dumps(report)
            record.status = "candidate" if passed else "refused"
            session.commit()
            self.sessions.remove()
            if passed:
                self.publish(record_id, username, reason="passed the evaluation gate")
                self._update(job_id, status="published", progress=100.0, finished_at=utcnow(),
                             message="Published: " + " ".join(reasons) if live is None else "Published")
            else:
                self._update(job_id, status="refused", progress=100.0, finished_at=utcnow(),
                             message="Kept the live model: " + " ".join(reasons))
                self._audit(username, "refuse", f"Model {record_id} refused: {' '.join(reasons)}")
        except Exception as error:  # noqa: BLE001 - any failure is shown to staff on the job
            self._update(job_id, status="failed", finished_at=utcnow(), message=f"Failed: {error}"[:2000])
            self._audit(username, "train_failed", str(error)[:500])

    def _train(self, job_id: int) -> Path:
        c = self.config
        models_dir = Path(c["MODELS_DIR"])
        models_dir.mkdir(parents=True, exist_ok=True)
        name = f"console-{job_id}-{utcnow():%Y%m%d%H%M%S}"
        # Rasa's data validation only warns (7 s a training); `make validate` and the suite check the same files.
        command = ["--skip-validation", *self.training_inputs().rasa_args(),
                   "--out", str(models_dir), "--fixed-model-name", name]
        inputs = self.inputs_fingerprints()  # before training: corrections may land while it runs
        live_id = self.adopt_running_model() or self.live_model_id()
        model = self._train_model(job_id, command, models_dir, name, live_id)
        beside(model, ".inputs.json").write_text(json.dumps(inputs))
        return model

    def training_inputs(self) -> TrainingInputs:
        """The manifest's inputs, with the console's own NLU data and config (a copy in tests)."""
        c = self.config
        return TrainingInputs.of(Path(c["ROOT"]), config=c["TRAIN_CONFIG"], nlu_data=c["DATA_DIR"],
                                 domain=c["DOMAIN"], dialogue_data=c["DIALOGUE_DATA"])

    def inputs_fingerprints(self) -> dict[str, str]:
        """Fingerprints of what a model is trained on: everything, and everything but the NLU examples."""
        return self.training_inputs().fingerprints()

    def _train_model(self, job_id: int, command: list[str], models_dir: Path, name: str,
                     live_id: int | None) -> Path:
        c = self.config
        if c.get("FINETUNE_FRACTION") and live_id:
            # Fine-tune the live model on the corrected data with a fraction of the epochs (much faster);
            # Rasa refuses when the config or domain changed, and then the job trains from scratch.
            session = self.sessions()
            live_path = session.get(ModelRecord, live_id).path
            self.sessions.remove()
            try:
                return self._run_rasa(job_id, [*command, "--finetune", live_path, "--epoch-fraction",
                                               str(c["FINETUNE_FRACTION"])], models_dir, name + "-ft")
            except RuntimeError:
                self._update(job_id, progress=2.0, message="Fine-tuning was refused; training from scratch")
        return self._run_rasa(job_id, command, models_dir, name)

    def _run_rasa(self, job_id: int, command: list[str], models_dir: Path, name: str) -> Path:
        """Run ``rasa train``, turning its log into progress; the trained model's path."""
        c = self.config
        if "--finetune" in command:
            command[command.index("--fixed-model-name") + 1] = name
        log_path = models_dir / f"{name}.train.log"
        progress = TrainingProgress(lambda **values: self._update(job_id, **values))
        run_rasa_train(command, log_path, Path(c["ROOT"]), on_line=progress.read)
        model = models_dir / f"{name}.tar.gz"
        if not model.exists():
            model = model_from_log(log_path, Path(c["ROOT"])) or model
        if not model.exists():
            raise RuntimeError(f"rasa train finished without a model; see {log_path}")
        return model.resolve()

    # -- registry --------------------------------------------------------------------------------
    def register(self, model: Path, status: str = "candidate") -> int:
        """The registry id of ``model``, adding it when new."""
        session = self.sessions()
        record = session.execute(select(ModelRecord).where(ModelRecord.path == str(model))).scalar_one_or_none()
        if record is None:
            record = ModelRecord(path=str(model), status=status)
            session.add(record)
            session.commit()
        record_id = record.id
        self.sessions.remove()
        return record_id

    def evaluation(self, record_id: int) -> dict[str, Any]:
        """The model's evaluation on the held-out set, from the JSON beside it or made now in a subprocess."""
        session = self.sessions()
        record = session.get(ModelRecord, record_id)
        model = Path(record.path)
        out = beside(model, ".eval.json")
        heldout = str(Path(self.config["HELDOUT_DIR"]).resolve())
        result = json.loads(out.read_text()) if out.exists() else None
        if result is None or result.get("heldout") != heldout:
            if out.exists() and not os.access(out, os.W_OK):
                raise RuntimeError(f"cannot write {out}")
            done = subprocess.run(
                [sys.executable, "-m", "staff_console.evaluate", str(model), heldout, str(out)],
                cwd=self.config["ROOT"], env=rasa_env(Path(self.config["ROOT"])), capture_output=True, text=True,
                timeout=1800,
            )
            if done.returncode != 0:
                raise RuntimeError(f"evaluation failed: {done.stderr[-1500:]}")
            result = json.loads(out.read_text())
        record.evaluation_path = str(out)
        record.accuracy, record.macro_f1, record.oos_recall = (result["accuracy"], result["macro_f1"],
                                                               result["oos_recall"])
        session.commit()
        self.sessions.remove()
        return result

    def live_model_id(self) -> int | None:
        """The registry id of the live model (the last one published)."""
        session = self.sessions()
        record = session.execute(select(ModelRecord).where(ModelRecord.status == "live")).scalars().first()
        self.sessions.remove()
        return record.id if record else None

    def adopt_running_model(self) -> int | None:
        """Register the model Rasa runs now as the live one, if found locally (None when not enabled or not found).

        Rasa may run another model than the registry's last publication (``make run`` starts the model it
        trained); the gate must compare with what residents actually get.
        """
        if not self.config.get("ADOPT_RUNNING_MODEL", True):
            return None
        try:
            name = requests.get(f"{self.config['RASA_URL']}/status", timeout=10).json().get("model_file") or ""
        except (requests.RequestException, ValueError):
            return None
        for candidate in (Path(name), Path(self.config["MODELS_DIR"]) / Path(name).name,
                          Path(self.config["ROOT"]) / "models" / Path(name).name):
            if name and candidate.is_file():
                record_id = self.register(candidate.resolve(), status="live")
                session = self.sessions()
                for other in session.execute(select(ModelRecord).where(ModelRecord.status == "live")).scalars():
                    other.status = "retired"
                session.get(ModelRecord, record_id).status = "live"
                session.commit()
                self.sessions.remove()
                return record_id
        return None

    def publish(self, record_id: int, username: str, reason: str) -> None:
        """Hot-load the model into the running Rasa server (``PUT /model``); conversations stay in the tracker store."""
        session = self.sessions()
        record = session.get(ModelRecord, record_id)
        response = requests.put(f"{self.config['RASA_URL']}/model", json={"model_file": record.path}, timeout=600)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"Rasa refused the model: {response.status_code} {response.text[:300]}")
        for live in session.execute(select(ModelRecord).where(ModelRecord.status == "live")).scalars():
            live.status = "retired"
        record.status = "live"
        record.published_at = utcnow()
        self._remember_published(Path(record.path), pinned=reason.startswith("published by hand"))
        session.add(AuditEntry(username=username, action="publish",
                               detail=f"Published model {record_id} ({Path(record.path).name}): {reason}"))
        session.commit()
        self.sessions.remove()

    def _remember_published(self, model: Path, pinned: bool) -> None:
        """Tell `make run` which model is live (``models/published.json``), so a restart starts the same one."""
        try:
            inputs = json.loads(beside(model, ".inputs.json").read_text())
        except (OSError, ValueError):
            inputs = {}  # trained elsewhere: start it again only while staff keep it pinned
        record = {"model": str(model), "pinned": pinned, "published_at": utcnow().isoformat(), **inputs}
        path = Path(self.config["MODELS_DIR"]) / PUBLISHED
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")

    def _audit(self, username: str, action: str, detail: str) -> None:
        session = self.sessions()
        session.add(AuditEntry(username=username, action=action, detail=detail))
        session.commit()
        self.sessions.remove()


def _summary(evaluation: dict[str, Any]) -> dict[str, Any]:
    return {k: evaluation.get(k) for k in ("model", "n", "accuracy", "macro_f1", "oos_recall")}
