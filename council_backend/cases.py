"""Cases for the contact centre: human handover and call-back requests from a conversation."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from council_backend import clock, db, idempotency
from council_backend.contacts import DEPARTMENTS
from council_backend.errors import invalid
from council_backend.messages import message
from council_backend.models import Case, IdempotentSubmission
from council_backend.validation import email_value, json_body, phone_value, text_field, url_value

blueprint = Blueprint("cases", __name__)
MAX_REASON_LENGTH = 5000


@blueprint.post("/cases")
def create_case() -> Response:
    """Open a case with the conversation's transcript link and answer its reference."""
    data = json_body()
    reason = text_field(data, "reason", MAX_REASON_LENGTH)
    department = text_field(data, "department", 40, required=False)
    if department is not None and department not in DEPARTMENTS:
        raise invalid(f"department must be one of: {', '.join(DEPARTMENTS)}.")
    conversation_id = text_field(data, "conversation_id", 200, required=False)
    transcript_url = url_value(text_field(data, "transcript_url", 2000, required=False), "transcript_url")
    channel = text_field(data, "channel", 40, required=False) or "chat"
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        raise invalid("contact must be an object with name, phone and email.")
    name = text_field(contact, "name", 200, required=False, label="contact.name")
    phone = phone_value(text_field(contact, "phone", 40, required=False, label="contact.phone"), "contact.phone")
    email = email_value(text_field(contact, "email", 254, required=False, label="contact.email"), "contact.email")

    # The reason is left out of what a key must match: it sums up a conversation that goes on between a first
    # confirmation and its repeat, while who is to be called back, about what, is the same case.
    key = idempotency.request_key()
    digest = idempotency.fingerprint([department, conversation_id, transcript_url, channel, name, phone, email])
    db_session = db.session()
    if key and (earlier := idempotency.earlier(db_session, "cases", key, digest)):
        return _replay(earlier)
    case = Case(
        reason=reason,
        department=department,
        conversation_id=conversation_id,
        transcript_url=transcript_url,
        channel=channel,
        contact_name=name,
        contact_phone=phone,
        contact_email=email,
        created_at=clock.to_db(clock.now()),
    )
    case.reference = f"CC-{db.next_number(db_session, 'case'):06d}"
    db_session.add(case)
    how = "phone" if phone else "email" if email else "none"
    body = {"reference": case.reference, "expected_response": message(f"cases.expected_response.{how}")}
    if key:
        idempotency.remember(db_session, "cases", key, digest, 201, body)
    if winner := idempotency.commit_or_replay(db_session, "cases", key, digest):
        return _replay(winner)
    response = jsonify(body)
    response.status_code = 201
    return response


def _replay(earlier: IdempotentSubmission) -> Response:
    """The answer a key's first request had, marked as a replay."""
    response = jsonify(earlier.body)
    response.status_code = earlier.status
    response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response
