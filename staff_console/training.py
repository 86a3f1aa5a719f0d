"""Retraining: run ``rasa train`` in the background, then let the gate decide whether the new model goes live.

One job per part: ``TrainingRunner`` runs a training and reads its log, ``registry.ModelRegistry`` keeps the
models, ``registry.Evaluations`` caches their held-out evaluations, ``gate`` decides and ``publishing.Publisher``
publishes. ``Trainer`` runs one retrain at a time through them and records its progress for staff.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.orm import scoped_session

from evaluation.manifest import TrainingInputs
from evaluation.rasa_process import model_from_log, run_rasa_train
from staff_console.config import ConsoleConfig
from staff_console.db import AuditEntry, TrainingJob, session_scope, utcnow
from staff_console.gate import gate, summary, worse_intents
from staff_console.publishing import Publisher
from staff_console.registry import Evaluations, ModelRegistry, beside

__all__ = ["Trainer", "TrainingProgress", "TrainingRunner", "gate", "worse_intents"]

EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
# Share of the progress bar for each stage of `rasa train` (DIET epochs, then dialogue policies).
STAGES = {"nlu": (2, 15), "DIETClassifier": (15, 65), "core": (65, 85), "TEDPolicy": (70, 85)}


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


class TrainingRunner:
    """Trains a model on the console's data: fine-tuning the live one when allowed, else from scratch."""

    def __init__(self, config: ConsoleConfig) -> None:
        self.config = config

    def inputs(self) -> TrainingInputs:
        """The manifest's inputs, with the console's own NLU data and config (a copy in tests)."""
        c = self.config
        return TrainingInputs.of(c.root, config=c.train_config, nlu_data=c.data_dir, domain=c.domain,
                                 dialogue_data=c.dialogue_data)

    def train(self, name: str, live_model: Path | None, update: Callable[..., None]) -> Path:
        """Train ``name`` into the models folder; the model's path. ``update(progress=, message=)`` follows it.

        Fine-tunes ``live_model`` with a fraction of the epochs (much faster) when the console is set to;
        Rasa refuses when the config or domain changed, and then it trains from scratch.
        """
        models_dir = self.config.models_dir
        models_dir.mkdir(parents=True, exist_ok=True)
        inputs = self.inputs()
        fingerprints = inputs.fingerprints()  # before training: corrections may land while it runs
        # Rasa's data validation only warns (7 s a training); `make validate` and the suite check the same files.
        args = ["--skip-validation", *inputs.rasa_args(), "--out", str(models_dir)]
        model = None
        if self.config.finetune_fraction and live_model is not None:
            try:
                model = self._run(name + "-ft", [*args, "--finetune", str(live_model), "--epoch-fraction",
                                                 str(self.config.finetune_fraction)], update)
            except RuntimeError:
                update(progress=2.0, message="Fine-tuning was refused; training from scratch")
        if model is None:
            model = self._run(name, args, update)
        beside(model, ".inputs.json").write_text(json.dumps(fingerprints))
        return model

    def _run(self, name: str, args: list[str], update: Callable[..., None]) -> Path:
        log_path = self.config.models_dir / f"{name}.train.log"
        run_rasa_train([*args, "--fixed-model-name", name], log_path, self.config.root,
                       on_line=TrainingProgress(update).read)
        model = self.config.models_dir / f"{name}.tar.gz"
        if not model.exists():
            model = model_from_log(log_path, self.config.root) or model
        if not model.exists():
            raise RuntimeError(f"rasa train finished without a model; see {log_path}")
        return model.resolve()


class Trainer:
    """Runs one retrain at a time in a background thread: train, evaluate beside the live model, gate, publish."""

    def __init__(self, sessions: scoped_session, config: ConsoleConfig) -> None:
        self.sessions, self.config = sessions, config
        self.registry = ModelRegistry(sessions, config.models_dir, config.root, config.rasa_url,
                                      adopt_running=config.adopt_running_model, rasa_token=config.rasa_token)
        self.evaluations = Evaluations(sessions, config.heldout_dir, config.root, urgent_set=config.urgent_set,
                                       conversation_tests=config.conversation_tests)
        self.publisher = Publisher(sessions, self.registry, config.rasa_url, config.models_dir,
                                   rasa_token=config.rasa_token, pull=bool(config.model_pull_token))
        self.runner = TrainingRunner(config)
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self, username: str) -> int | None:
        """Start a training job; None when one is already running (never two trainings at once)."""
        with self.lock:
            if self.busy():
                return None
            with session_scope(self.sessions) as session:
                job = TrainingJob(status="training", progress=1.0, message="Starting training", username=username)
                session.add(job)
                session.add(AuditEntry(username=username, action="train", detail="Started retraining"))
                session.flush()
                job_id = job.id
            self.thread = threading.Thread(target=self._run, args=(job_id, username), daemon=True)
            self.thread.start()
            return job_id

    def busy(self) -> bool:
        """Whether a retrain is running."""
        return self.thread is not None and self.thread.is_alive()

    def evaluate_live_in_background(self, attempts: int = 60, pause: float = 5.0) -> threading.Thread:
        """Cache the live model's held-out evaluation, so a retrain's gate does not wait for it.

        Rasa may still be loading when the console starts: try for a while, quietly.
        """

        def run() -> None:
            for _ in range(attempts):
                with self.lock:
                    busy = self.busy()
                live_id = None if busy else self.registry.live_or_running()
                if live_id:
                    try:
                        self.evaluations.evaluation(live_id)
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
        with session_scope(self.sessions) as session:
            job = session.get(TrainingJob, job_id)
            for key, value in values.items():
                setattr(job, key, value)

    def _audit(self, username: str, action: str, detail: str) -> None:
        with session_scope(self.sessions) as session:
            session.add(AuditEntry(username=username, action=action, detail=detail))

    def _run(self, job_id: int, username: str) -> None:
        try:
            live_id = self.registry.live_or_running()
            name = f"console-{job_id}-{utcnow():%Y%m%d%H%M%S}"
            model = self.runner.train(name, self.registry.path(live_id) if live_id else None,
                                      lambda **values: self._update(job_id, **values))
            record_id = self.registry.register(model)
            self._update(job_id, status="evaluating", progress=86.0, model_id=record_id,
                         message="Evaluating on the held-out set; running the conversation tests")
            # The conversation tests (a minute or two) run beside the evaluations, each in its own subprocess.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="conversation-tests") as pool:
                tested = pool.submit(self.evaluations.conversations, record_id)
                candidate = self.evaluations.evaluation(record_id)
                self._update(job_id, progress=92.0, message="Evaluating the live model; running the conversation tests")
                live_id = self.registry.live_or_running()
                live = self.evaluations.evaluation(live_id) if live_id else None
                self._update(job_id, progress=94.0, message="Running the conversation tests")
                conversations = tested.result()
            verdict = gate(candidate, live, self.config.gate_tolerance, conversations)
            self.registry.record_gate(record_id, {
                "passed": verdict.passed, "reasons": verdict.reasons or verdict.notes,
                "refusals": verdict.refusals, "live_model_id": live_id,
                "worse_intents": worse_intents(candidate, live) if not verdict.passed else [],
                "candidate": summary(candidate), "live": summary(live) if live else None,
                "conversations": {k: conversations[k] for k in ("passed", "total", "seconds")} if conversations
                else None})
            if verdict.passed:
                self.publisher.publish(record_id, username, reason="passed the evaluation gate")
                self._update(job_id, status="published", progress=100.0, finished_at=utcnow(),
                             message=" ".join(["Published:", *verdict.notes]) if verdict.notes else "Published")
            else:
                refused_by = ", ".join(r["title"].lower() for r in verdict.refusals)
                self._update(job_id, status="refused", progress=100.0, finished_at=utcnow(),
                             message=f"Kept the live model ({refused_by}): " + " ".join(verdict.reasons))
                self._audit(username, "refuse", f"Model {record_id} refused: {' '.join(verdict.reasons)}")
        except Exception as error:  # noqa: BLE001 - any failure is shown to staff on the job
            self._update(job_id, status="failed", finished_at=utcnow(), message=f"Failed: {error}"[:2000])
            self._audit(username, "train_failed", str(error)[:500])
