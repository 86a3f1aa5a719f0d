"""Planning applications by reference."""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify

from council_backend import db
from council_backend.errors import ApiError
from council_backend.models import PlanningApplication
from council_backend.validation import not_found, query_param

blueprint = Blueprint("planning", __name__)
REFERENCE_PATTERN = re.compile(r"^[0-9]{2}/[0-9]{5}/[A-Z]{2,5}$")


@blueprint.get("/planning/applications")
def application() -> Response:
    """Return one application's status and decision, found by its reference (24/01234/FUL)."""
    reference = re.sub(r"\s+", "", query_param("reference", max_length=40)).upper()
    if not REFERENCE_PATTERN.match(reference):
        raise ApiError(400, "invalid_reference", "That is not a planning reference. It should look like 24/01234/FUL.")
    found = db.session().get(PlanningApplication, reference)
    if found is None:
        raise not_found("unknown_application", f"We have no planning application {reference}.")
    return jsonify(
        {
            "reference": found.reference,
            "address": found.address,
            "proposal": found.proposal,
            "status": found.status,
            "decision": found.decision,
            "received_date": found.received_date.isoformat(),
            "decision_due": found.decision_due.isoformat() if found.decision_due else None,
            "decision_date": found.decision_date.isoformat() if found.decision_date else None,
            "url": found.url,
        }
    )
