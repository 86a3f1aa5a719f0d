"""The council's A to Z of services: the whole list, a ranked search, and residents' words added by staff."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from council_backend import db
from council_backend.errors import invalid
from council_backend.models import DirectoryService
from council_backend.validation import json_body, not_found, query_param, text_field, whole_number
from service_directory import DirectoryRanker

blueprint = Blueprint("directory", __name__)
DEFAULT_RESULTS = 3
MAX_RESULTS = 10
MAX_TERM_LENGTH = 100


def service_json(row: DirectoryService) -> dict[str, Any]:
    """One service as every directory endpoint returns it."""
    return {
        "id": row.id,
        "title": row.title,
        "answer": row.answer,
        "url": row.url,
        "department": row.department,
        "terms": list(row.terms),
        "task": row.task,
        "task_entities": row.task_entities,
    }


def _all_services() -> list[DirectoryService]:
    query = select(DirectoryService).order_by(DirectoryService.sort_order, DirectoryService.id)
    return list(db.session().execute(query).scalars().all())


@lru_cache(maxsize=2)
def _ranker(phrases: tuple[tuple[str, str, tuple[str, ...]], ...]) -> DirectoryRanker:
    """One ranker per version of the directory: rebuilt only when a title or a term changed."""
    return DirectoryRanker([{"id": i, "title": title, "terms": terms} for i, title, terms in phrases])


@blueprint.get("/services")
def services() -> Response:
    """The whole A to Z, in the council's order: what a connector fetches to rank by itself."""
    return jsonify([service_json(row) for row in _all_services()])


@blueprint.get("/services/search")
def search() -> Response:
    """The best services for `q`, best first, each with its score from 0 to 1 (`limit`, default 3, at most 10)."""
    text = query_param("q")
    raw_limit = query_param("limit", required=False, max_length=3) or str(DEFAULT_RESULTS)
    limit = whole_number(raw_limit, 3)
    if limit is None or not 1 <= limit <= MAX_RESULTS:
        raise invalid(f"limit must be a whole number from 1 to {MAX_RESULTS}.")
    rows = _all_services()
    ranker = _ranker(tuple((row.id, row.title, tuple(row.terms)) for row in rows))
    return jsonify(
        [{**service_json(rows[match.index]), "score": match.score} for match in ranker.rank(text, limit)]
    )


@blueprint.get("/services/<service_id>")
def service(service_id: str) -> Response:
    """One service by its id, or 404 `unknown_service`."""
    return jsonify(service_json(_get(service_id)))


@blueprint.post("/services/<service_id>/terms")
def add_term(service_id: str) -> Response:
    """Add a resident's words to a service's terms (staff fixing a directory answer); 201 when new, 200 if known."""
    term = " ".join(str(text_field(json_body(), "term", MAX_TERM_LENGTH)).split())
    row = _get(service_id)
    if term.lower() in {existing.lower() for existing in row.terms}:
        return jsonify(service_json(row))
    row.terms = [*row.terms, term]
    flag_modified(row, "terms")
    db.session().commit()
    response = jsonify(service_json(row))
    response.status_code = 201
    return response


def _get(service_id: str) -> DirectoryService:
    row = db.session().get(DirectoryService, service_id)
    if row is None:
        raise not_found("unknown_service", f"There is no service {service_id!r} in the directory.")
    return row
