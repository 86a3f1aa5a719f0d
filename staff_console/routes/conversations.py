"""Conversations: the list with its filters, one conversation's transcript (personal data masked), its erasure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from staff_console.retention import erase_conversation
from staff_console.routes import console
from staff_console.routes.auth import role
from staff_console.transcripts import Filters

blueprint = Blueprint("conversations", __name__)


@blueprint.get("/conversations")
@role("viewer")
def conversations() -> Any:
    """Conversations, newest first, filtered by date, channel, intent, fallback, handover or low confidence."""
    args, reader = request.args, console().reader
    filters = Filters(
        date_from=_date(args.get("from")), date_to=_date(args.get("to")), channel=args.get("channel", ""),
        intent=args.get("intent", ""), fallback=bool(args.get("fallback")), handover=bool(args.get("handover")),
        low_confidence=bool(args.get("low")),
    )
    page = max(1, args.get("page", 1, type=int))
    rows, more = reader.conversations(filters, page) if reader.available() else ([], False)
    query = {k: v for k, v in args.items() if k != "page"}
    return render_template("conversations.html", rows=rows, more=more, page=page, filters=filters,
                           query=query, intents=console().data.intents())


@blueprint.get("/conversations/<path:sender_id>")
@role("viewer")
def transcript(sender_id: str) -> Any:
    """One conversation, turn by turn, with the assistant's confidence."""
    reader = console().reader
    turns = reader.transcript(sender_id) if reader.available() else []
    if not turns:
        abort(404)
    return render_template("transcript.html", sender_id=sender_id, turns=turns,
                           threshold=console().config.low_confidence)


@blueprint.post("/conversations/<path:sender_id>/erase")
@role("publisher")
def erase(sender_id: str) -> Any:
    """Erase one resident's conversation on their request; the publisher retypes its id to confirm."""
    if request.form.get("confirm", "").strip() != sender_id:
        abort(400, "Type the conversation's id to confirm the erasure; nothing was erased.")
    parts = console()
    erased = erase_conversation(parts.cleaner, parts.sessions, sender_id, g.user.username)
    if not erased:
        abort(404)
    flash(f"Conversation {sender_id} erased ({erased} events); the change log records it.")
    return redirect(url_for("conversations.conversations"))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
