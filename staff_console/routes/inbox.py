"""The inbox: messages the assistant was unsure of, grouped by wording, and the editors' corrections."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from connectors.errors import NotFound, Rejected, ServiceUnavailable
from staff_console.db import Correction
from staff_console.routes import console
from staff_console.routes.auth import audit, role
from staff_console.training_data import ACTIONS, BadCorrection, annotate, editor_words, literal_words
from staff_console.transcripts import group_by_wording

blueprint = Blueprint("inbox", __name__)


@blueprint.get("/")
@role("viewer")
def index() -> Any:
    """The inbox is the console's home page."""
    return redirect(url_for("inbox.inbox"))


@blueprint.get("/inbox")
@role("viewer")
def inbox() -> Any:
    """Unsure messages not corrected yet, grouped by wording, with their entity spans marked."""
    parts = console()
    reader = parts.reader
    done = set(parts.sessions().execute(select(Correction.event_id)).scalars())
    messages = [m for m in (reader.unsure_messages() if reader.available() else []) if m["event_id"] not in done]
    for message in messages:
        message["annotated"] = annotate(message["text"], _shown_spans(message), parts.data.entities())
    groups = group_by_wording(messages)
    services: list[Any] = []
    if any(m.get("directory_service") for m in messages):
        try:
            services = parts.directory.services()
        except (ServiceUnavailable, Rejected):
            flash("The council's A to Z cannot be reached: directory answers can be fixed later.")
    return render_template("inbox.html", groups=groups, intents=parts.data.intents(),
                           threshold=parts.config.low_confidence, services=services)


@blueprint.post("/inbox/directory-term")
@role("editor")
def directory_term() -> Any:
    """Add a resident's words to an A to Z service's terms: how a directory answer that didn't help is fixed."""
    parts = console()
    event_id = request.form.get("event_id", type=int) or 0
    message = parts.reader.user_event(event_id)
    if message is None:
        abort(404)
    service_id = request.form.get("service", "").strip()
    term = " ".join(request.form.get("term", "").split())
    if not service_id or not term:
        abort(400, "Give the service and the resident's words.")
    if "<" in term or ">" in term or "*" in term:
        abort(400, "Take the masked personal data out of the words first.")
    try:
        updated = parts.directory.add_term(service_id, term)
    except NotFound:
        abort(400, f"The A to Z has no service {service_id!r}.")
    except Rejected as refused:
        abort(400, refused.message)
    except ServiceUnavailable:
        flash("The council's A to Z cannot be reached right now; nothing was changed.")
        return redirect(url_for("inbox.inbox"))
    outcome = "added" if updated.terms and updated.terms[-1] == term else "known"
    parts.sessions().add(Correction(
        event_id=event_id, sender_id=message["sender_id"], text=message["text"], annotated=term,
        predicted_intent=message["intent"], confidence=message["confidence"], action="directory_term",
        intent="council_service", data_file=f"A to Z: {service_id}", outcome=outcome, username=g.user.username))
    audit("directory_term", f"event {event_id}: '{term}' {outcome} as a term of A to Z service {service_id}")
    parts.sessions().commit()
    flash(f"Saved: '{term}' is now a term of {updated.title}.")
    return redirect(url_for("inbox.inbox"))


def _correct(event_id: int, action: str, intent: str, example: str | None) -> str:
    """Write one corrected message into its intent's training file and record who did it.

    Only the three actions of the page and the domain's intents are accepted; an edited example may only
    mark entities of the domain in the message's own words.
    """
    parts = console()
    if action not in ACTIONS:
        abort(400, f"Unknown action {action!r}.")
    message = parts.reader.user_event(event_id)
    if message is None:
        abort(404)
    if action == "out_of_scope":
        intent = "out_of_scope"
    elif action == "confirm":
        intent = message["intent"]
    if intent == "nlu_fallback":
        intent = "out_of_scope"
    if not intent or intent not in parts.data.intents():
        abort(400, "Pick an intent of the domain.")
    entities = parts.data.entities()
    if example and example.strip():
        if editor_words(example) != editor_words(literal_words(message["text"])):
            abort(400, "The corrected example must keep the message's words; only mark entities.")
    else:
        example = annotate(message["text"], _shown_spans(message), entities)
    try:
        result = parts.data.add_example(intent, example)
    except BadCorrection as refused:
        abort(400, str(refused))
    written = result.example
    parts.sessions().add(Correction(
        event_id=event_id, sender_id=message["sender_id"], text=message["text"], annotated=written,
        predicted_intent=message["intent"], confidence=message["confidence"], action=action, intent=intent,
        data_file=result.file, outcome=result.outcome, username=g.user.username))
    audit("correct", f"{action} event {event_id} as {intent}: {result.outcome}"
                     f"{' in ' + result.file if result.file else ''}: {written}")
    return result.outcome


@blueprint.post("/inbox/correct")
@role("editor")
def correct() -> Any:
    """Correct one message: confirm, pick another intent, out of scope, or mark entities."""
    outcome = _correct(request.form.get("event_id", type=int) or 0, request.form.get("action", "relabel"),
                       request.form.get("intent", ""), request.form.get("example"))
    console().sessions().commit()
    flash(f"Saved ({outcome}).")
    return redirect(url_for("inbox.inbox"))


@blueprint.post("/inbox/bulk")
@role("editor")
def bulk() -> Any:
    """Correct every message of a group the same way."""
    ids = request.form.getlist("event_id", type=int)
    outcomes = [_correct(i, request.form.get("action", "relabel"), request.form.get("intent", ""), None)
                for i in ids]
    console().sessions().commit()
    flash(f"Saved {len(outcomes)} messages ({', '.join(sorted(set(outcomes)))}).")
    return redirect(url_for("inbox.inbox"))


def _shown_spans(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Entity spans that still match the redacted text (masked spans are not trained on)."""
    spans = []
    for entity in message.get("entities", []):
        start, end = entity.get("start"), entity.get("end")
        raw = message.get("raw_text", "")
        if isinstance(start, int) and isinstance(end, int) and message["text"][start:end] == raw[start:end]:
            spans.append(entity)
    return spans
