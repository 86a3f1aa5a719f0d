"""Retraining and publishing: the jobs, the models with their gate reports, and publishing by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, url_for
from sqlalchemy import select

from staff_console.db import Correction, ModelRecord, TrainingJob
from staff_console.routes import console
from staff_console.routes.auth import role

blueprint = Blueprint("training", __name__)


@blueprint.get("/training")
@role("viewer")
def training() -> Any:
    """Recent jobs, every model with its figures and gate report, and the latest corrections."""
    db = console().sessions()
    jobs = db.execute(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(10)).scalars().all()
    models = db.execute(select(ModelRecord).order_by(ModelRecord.id.desc())).scalars().all()
    corrections = db.execute(select(Correction).order_by(Correction.id.desc()).limit(50)).scalars().all()
    reports = {m.id: json.loads(m.gate_report) for m in models if m.gate_report}
    return render_template("training.html", jobs=jobs, models=models, corrections=corrections,
                           reports=reports, Path=Path, tolerance=console().config.gate_tolerance)


@blueprint.post("/training/start")
@role("publisher")
def start_training() -> Any:
    """Start a retrain in the background (one at a time)."""
    if console().trainer.start(g.user.username) is None:
        flash("A training is already running.")
    return redirect(url_for("training.training"))


@blueprint.get("/training/jobs/<int:job_id>.json")
@role("viewer")
def job_status(job_id: int) -> Any:
    """A job's progress, for the page's progress bar."""
    job = console().sessions().get(TrainingJob, job_id) or abort(404)
    return jsonify(id=job.id, status=job.status, progress=job.progress, message=job.message,
                   model_id=job.model_id)


@blueprint.post("/models/<int:model_id>/publish")
@role("publisher")
def publish(model_id: int) -> Any:
    """Publish a model by hand (a roll back or an override): it stays pinned for `make run`."""
    console().sessions().get(ModelRecord, model_id) or abort(404)
    console().trainer.publisher.publish(model_id, g.user.username,
                                        reason="published by hand (roll back or override)", pinned=True)
    flash(f"Model {model_id} is live.")
    return redirect(url_for("training.training"))
