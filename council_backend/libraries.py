"""Library branches with opening hours and holiday closures."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from council_backend import clock, db
from council_backend.models import Site
from council_backend.sites import site_json

blueprint = Blueprint("libraries", __name__)


@blueprint.get("/libraries")
def libraries() -> Response:
    """List every branch with its weekly hours and the closures of the next 12 months."""
    rows = db.session().execute(select(Site).where(Site.kind == "library").order_by(Site.sort_order)).scalars().all()
    today = clock.today()
    return jsonify([site_json(row, today, with_accepts=False) for row in rows])
