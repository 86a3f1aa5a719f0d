"""Council contact points per department, with out-of-hours numbers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from council_backend import db
from council_backend.errors import invalid
from council_backend.models import Contact
from council_backend.validation import query_param

blueprint = Blueprint("contacts", __name__)
DEPARTMENTS = (
    "council_tax",
    "waste",
    "housing",
    "planning",
    "parking",
    "libraries",
    "streets",
    "social_care",
    "registrars",
    "elections",
    "schools",
    "general",
)


@blueprint.get("/contacts")
def contacts() -> Response:
    """List contact points, or the one for `?department=`, so the bot can hand over a number."""
    department = query_param("department", required=False, max_length=40)
    query = select(Contact).order_by(Contact.sort_order)
    if department is not None:
        if department not in DEPARTMENTS:
            raise invalid(f"department must be one of: {', '.join(DEPARTMENTS)}.")
        query = query.where(Contact.department == department)
    rows = db.session().execute(query).scalars().all()
    return jsonify(
        [
            {
                "department": row.department,
                "name": row.name,
                "phone": row.phone,
                "email": row.email,
                "hours": row.hours,
                "url": row.url,
                "out_of_hours_phone": row.out_of_hours_phone,
            }
            for row in rows
        ]
    )
