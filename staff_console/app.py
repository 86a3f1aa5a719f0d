"""The staff console: a Flask application factory with login, roles, CSRF checks and the console's pages."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash

from connectors.directory import DirectoryConnector
from connectors.errors import NotFound, Rejected, ServiceUnavailable
from connectors.settings import ConnectorSettings
from staff_console.charts import bar_chart, line_chart
from staff_console.config import ConsoleConfig
from staff_console.db import AuditEntry, Correction, ModelRecord, TrainingJob, User, make_engine, make_sessions
from staff_console.training import Trainer
from staff_console.training_data import TrainingData, annotate, plain_text
from staff_console.transcripts import Filters, TrackerReader, group_by_wording


def create_app(config: ConsoleConfig | None = None) -> Flask:
    """Build the console for ``config`` (defaults from the environment); nothing is built at import time."""
    config = config or ConsoleConfig.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key or secrets.token_hex(32),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=config.session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        CONSOLE=config,
    )
    engine = make_engine(config.db_url)
    sessions = make_sessions(engine)
    reader = TrackerReader(config.tracker_db_url, low_confidence=config.low_confidence)
    data = TrainingData(config.data_dir, config.heldout_dir)
    trainer = Trainer(sessions, config.trainer_settings())
    # The A to Z lives in the council's systems (COUNCIL_API_URL, COUNCIL_API_KEY), like everything the bot reads.
    directory = DirectoryConnector(config.directory_settings or ConnectorSettings.from_env(), cache_seconds=0)
    app.extensions["staff_console"] = {"sessions": sessions, "reader": reader, "data": data, "trainer": trainer,
                                       "directory": directory}

    @app.teardown_appcontext
    def _remove_session(_: BaseException | None) -> None:
        sessions.remove()

    @app.before_request
    def _load_user() -> Any:
        g.user = None
        user_id = session.get("user_id")
        if user_id is not None:
            last = session.get("seen", 0)
            now = dt.datetime.now(dt.timezone.utc).timestamp()
            if now - last > config.session_minutes * 60:
                session.clear()
                flash("Your session expired; please sign in again.")
            else:
                g.user = sessions().get(User, user_id)
                session["seen"] = now
        if request.method == "POST":
            sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
            expected = session.get("csrf_token", "")
            if not expected or not hmac.compare_digest(sent, expected):
                abort(400, "Missing or wrong CSRF token")
        return None

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        if "csrf_token" not in session:
            session["csrf_token"] = secrets.token_urlsafe(32)
        return {"csrf_token": session["csrf_token"], "user": g.get("user")}

    def role(required: str) -> Callable:
        def decorate(view: Callable) -> Callable:
            @functools.wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if g.user is None:
                    if request.method == "GET":
                        return redirect(url_for("login", next=request.full_path))
                    return redirect(url_for("login"))
                if not g.user.can(required):
                    abort(403, f"Your role ({g.user.role}) cannot do this; it needs {required}.")
                return view(*args, **kwargs)
            return wrapped
        return decorate

    def audit(action: str, detail: str) -> None:
        sessions().add(AuditEntry(username=g.user.username, action=action, detail=detail))

    @app.get("/health")
    def health() -> Any:
        return {"status": "ok"}

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        error = None
        if request.method == "POST":
            user = sessions().execute(
                select(User).where(User.username == request.form.get("username", ""))).scalar_one_or_none()
            if user and check_password_hash(user.password_hash, request.form.get("password", "")):
                session.clear()
                session.permanent = True
                session["user_id"] = user.id
                session["seen"] = dt.datetime.now(dt.timezone.utc).timestamp()
                session["csrf_token"] = secrets.token_urlsafe(32)
                target = request.args.get("next") or url_for("inbox")
                return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
            error = "Wrong username or password."
        return render_template("login.html", error=error), 401 if error else 200

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    @role("viewer")
    def index() -> Any:
        return redirect(url_for("inbox"))

    @app.get("/conversations")
    @role("viewer")
    def conversations() -> Any:
        args = request.args
        filters = Filters(
            date_from=_date(args.get("from")), date_to=_date(args.get("to")), channel=args.get("channel", ""),
            intent=args.get("intent", ""), fallback=bool(args.get("fallback")), handover=bool(args.get("handover")),
            low_confidence=bool(args.get("low")),
        )
        page = max(1, args.get("page", 1, type=int))
        rows, more = reader.conversations(filters, page) if reader.available() else ([], False)
        query = {k: v for k, v in args.items() if k != "page"}
        return render_template("conversations.html", rows=rows, more=more, page=page, filters=filters,
                               query=query, intents=data.intents())

    @app.get("/conversations/<path:sender_id>")
    @role("viewer")
    def transcript(sender_id: str) -> Any:
        turns = reader.transcript(sender_id) if reader.available() else []
        if not turns:
            abort(404)
        return render_template("transcript.html", sender_id=sender_id, turns=turns,
                               threshold=config.low_confidence)

    @app.get("/inbox")
    @role("viewer")
    def inbox() -> Any:
        done = set(sessions().execute(select(Correction.event_id)).scalars())
        messages = [m for m in (reader.unsure_messages() if reader.available() else []) if m["event_id"] not in done]
        for message in messages:
            message["annotated"] = annotate(message["text"], _shown_spans(message))
        groups = group_by_wording(messages)
        services: list[Any] = []
        if any(m.get("directory_service") for m in messages):
            try:
                services = directory.services()
            except (ServiceUnavailable, Rejected):
                flash("The council's A to Z cannot be reached: directory answers can be fixed later.")
        return render_template("inbox.html", groups=groups, intents=data.intents(), threshold=config.low_confidence,
                               services=services)

    @app.post("/inbox/directory-term")
    @role("editor")
    def directory_term() -> Any:
        """Add a resident's words to an A to Z service's terms: how a directory answer that didn't help is fixed."""
        event_id = request.form.get("event_id", type=int) or 0
        message = reader.user_event(event_id)
        if message is None:
            abort(404)
        service_id = request.form.get("service", "").strip()
        term = " ".join(request.form.get("term", "").split())
        if not service_id or not term:
            abort(400, "Give the service and the resident's words.")
        if "<" in term or ">" in term or "*" in term:
            abort(400, "Take the masked personal data out of the words first.")
        try:
            updated = directory.add_term(service_id, term)
        except NotFound:
            abort(400, f"The A to Z has no service {service_id!r}.")
        except Rejected as refused:
            abort(400, refused.message)
        except ServiceUnavailable:
            flash("The council's A to Z cannot be reached right now; nothing was changed.")
            return redirect(url_for("inbox"))
        outcome = "added" if updated.terms and updated.terms[-1] == term else "known"
        sessions().add(Correction(
            event_id=event_id, sender_id=message["sender_id"], text=message["text"], annotated=term,
            predicted_intent=message["intent"], confidence=message["confidence"], action="directory_term",
            intent="council_service", data_file=f"A to Z: {service_id}", outcome=outcome, username=g.user.username))
        audit("directory_term", f"event {event_id}: '{term}' {outcome} as a term of A to Z service {service_id}")
        sessions().commit()
        flash(f"Saved: '{term}' is now a term of {updated.title}.")
        return redirect(url_for("inbox"))

    def _correct(event_id: int, action: str, intent: str, example: str | None) -> str:
        message = reader.user_event(event_id)
        if message is None:
            abort(404)
        if action == "out_of_scope":
            intent = "out_of_scope"
        elif action == "confirm":
            intent = message["intent"]
        if not intent or (action == "relabel" and intent not in data.intents() + ["out_of_scope"]):
            abort(400, "Pick an intent")
        if example and plain_text(example).strip():
            if " ".join(plain_text(example).split()) != " ".join(message["text"].split()):
                abort(400, "The corrected example must keep the message's words; only mark entities.")
            written = example
        else:
            written = annotate(message["text"], _shown_spans(message))
        result = data.add_example(intent, written)
        sessions().add(Correction(
            event_id=event_id, sender_id=message["sender_id"], text=message["text"], annotated=written,
            predicted_intent=message["intent"], confidence=message["confidence"], action=action, intent=intent,
            data_file=result.file, outcome=result.outcome, username=g.user.username))
        audit("correct", f"{action} event {event_id} as {intent}: {result.outcome}"
                         f"{' in ' + result.file if result.file else ''}: {written}")
        return result.outcome

    @app.post("/inbox/correct")
    @role("editor")
    def correct() -> Any:
        outcome = _correct(request.form.get("event_id", type=int) or 0, request.form.get("action", "relabel"),
                           request.form.get("intent", ""), request.form.get("example"))
        sessions().commit()
        flash(f"Saved ({outcome}).")
        return redirect(url_for("inbox"))

    @app.post("/inbox/bulk")
    @role("editor")
    def bulk() -> Any:
        ids = request.form.getlist("event_id", type=int)
        outcomes = [_correct(i, request.form.get("action", "relabel"), request.form.get("intent", ""), None)
                    for i in ids]
        sessions().commit()
        flash(f"Saved {len(outcomes)} messages ({', '.join(sorted(set(outcomes)))}).")
        return redirect(url_for("inbox"))

    @app.get("/training")
    @role("viewer")
    def training() -> Any:
        db = sessions()
        jobs = db.execute(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(10)).scalars().all()
        models = db.execute(select(ModelRecord).order_by(ModelRecord.id.desc())).scalars().all()
        corrections = db.execute(select(Correction).order_by(Correction.id.desc()).limit(50)).scalars().all()
        reports = {m.id: json.loads(m.gate_report) for m in models if m.gate_report}
        return render_template("training.html", jobs=jobs, models=models, corrections=corrections,
                               reports=reports, Path=Path, tolerance=trainer.config.get("GATE_TOLERANCE", 0))

    @app.post("/training/start")
    @role("publisher")
    def start_training() -> Any:
        job_id = trainer.start(g.user.username)
        if job_id is None:
            flash("A training is already running.")
        return redirect(url_for("training"))

    @app.get("/training/jobs/<int:job_id>.json")
    @role("viewer")
    def job_status(job_id: int) -> Any:
        job = sessions().get(TrainingJob, job_id) or abort(404)
        return jsonify(id=job.id, status=job.status, progress=job.progress, message=job.message,
                       model_id=job.model_id)

    @app.post("/models/<int:model_id>/publish")
    @role("publisher")
    def publish(model_id: int) -> Any:
        sessions().get(ModelRecord, model_id) or abort(404)
        trainer.publish(model_id, g.user.username, reason="published by hand (roll back or override)")
        flash(f"Model {model_id} is live.")
        return redirect(url_for("training"))

    @app.get("/insights")
    @role("viewer")
    def insights() -> Any:
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
        if not reader.available():
            return render_template("insights.html", charts=[], unmet=[])
        top = reader.intent_counts(week)
        days = reader.daily_rates(month)
        unmet = group_by_wording(reader.unmet_demand(month))[:15]
        handovers = reader.handover_actions(month)
        charts = [
            bar_chart(top, "Top intents in the last 7 days"),
            line_chart([(d.isoformat(), 100 * f / m if m else 0.0) for d, m, f, _ in days],
                       "Fallback rate per day (share of resident messages), last 30 days"),
            bar_chart([(u["label"][:40], len(u["messages"])) for u in unmet[:10]],
                      "Questions the assistant could not answer (grouped), last 30 days"),
            line_chart([(d.isoformat(), float(h)) for d, _, _, h in days], "Handovers per day, last 30 days",
                       unit=""),
            bar_chart(handovers, "Handovers started and cases created, last 30 days"),
        ]
        return render_template("insights.html", charts=charts, unmet=unmet)

    @app.get("/audit")
    @role("viewer")
    def audit_log() -> Any:
        entries = sessions().execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)).scalars().all()
        return render_template("audit.html", entries=entries)

    return app


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _shown_spans(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Entity spans that still match the redacted text (masked spans are not trained on)."""
    spans = []
    for entity in message.get("entities", []):
        start, end = entity.get("start"), entity.get("end")
        raw = message.get("raw_text", "")
        if isinstance(start, int) and isinstance(end, int) and message["text"][start:end] == raw[start:end]:
            spans.append(entity)
    return spans
