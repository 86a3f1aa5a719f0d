"""Application factory of the reference council backend."""

from __future__ import annotations

import hmac
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from council_backend import (
    addresses,
    cases,
    clock,
    contacts,
    council_tax,
    db,
    directory,
    libraries,
    open311,
    planning,
    waste,
)
from council_backend.errors import HTTP_ERROR_CODES, ApiError, error_response
from council_backend.seed import seed_database
from council_backend.settings import ALLOW_NO_KEY_VARIABLE, BackendSettings, MissingApiKey

PACKAGE_DIR = Path(__file__).resolve().parent
OPEN_PATHS = ("/health",)
# GeoReport v2 makes reading services and requests public and asks api_key only to create a request.
OPEN311_PUBLIC_METHODS = ("GET", "HEAD")
NO_KEY_WARNING = (
    "\n" + "*" * 78 + "\n*  WARNING: no API key (COUNCIL_API_KEY) and " + ALLOW_NO_KEY_VARIABLE + "=1:\n"
    "*  the backend accepts EVERY request from anyone who can reach it. Local demonstration only.\n" + "*" * 78
)
log = logging.getLogger(__name__)


def _settings(config: dict[str, Any] | None) -> dict[str, Any]:
    """The environment's settings (``BackendSettings``), then explicit config (explicit config wins)."""
    settings = {**BackendSettings.from_env().flask_config(), **(config or {})}
    if settings["NOW"]:
        clock.parse_instant(settings["NOW"])  # fail at start-up, not on the first request
    return settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the backend: configure, connect to and seed the database, register every service.

    Args:
        config: overrides for `DATABASE_URL`, `API_KEY`, `ALLOW_NO_KEY`, `NOW` (ISO date-time that fixes the
            clock), `SEED_DIR` and any Flask setting. Missing keys come from the environment
            (`COUNCIL_BACKEND_DB_URL`, `COUNCIL_API_KEY`, `COUNCIL_BACKEND_ALLOW_NO_KEY`, `COUNCIL_BACKEND_NOW`)
            or defaults.

    Raises:
        MissingApiKey: no key and no explicit ``ALLOW_NO_KEY``: the backend never starts open by accident.

    """
    app = Flask(__name__)
    app.config.update(_settings(config))
    app.json.sort_keys = False

    engine = db.make_engine(app.config["DATABASE_URL"])
    app.extensions[db.EXTENSION] = {"engine": engine, "sessions": db.make_session_factory(engine)}
    with app.app_context():
        seed_database(engine, Path(app.config["SEED_DIR"]), clock.now())
    app.teardown_appcontext(db.close_session)

    if not app.config["API_KEY"]:
        if not app.config.get("ALLOW_NO_KEY"):
            raise MissingApiKey(
                "No API key is set: set COUNCIL_API_KEY (make run makes one per run), or set "
                f"{ALLOW_NO_KEY_VARIABLE}=1 to run a local demonstration open to every request."
            )
        app.logger.warning("No API key is set (COUNCIL_API_KEY): the backend accepts every request%s", NO_KEY_WARNING)
    app.before_request(_require_api_key)
    _register_error_handlers(app)

    for module in (open311, addresses, waste, council_tax, planning, libraries, contacts, cases, directory):
        app.register_blueprint(module.blueprint)

    app.add_url_rule("/health", "health", _health)
    app.add_url_rule("/openapi.json", "openapi", _openapi)
    return app


def _health() -> Response:
    """Liveness probe for the run orchestrator and test fixtures; never needs a key."""
    return jsonify({"status": "ok"})


@lru_cache(maxsize=1)
def _openapi_document() -> dict[str, Any]:
    with open(PACKAGE_DIR / "openapi.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _openapi() -> Response:
    """Serve the OpenAPI description, the one authoritative statement of this API."""
    return jsonify(_openapi_document())


def _supplied_key() -> str | None:
    supplied = request.headers.get("X-Api-Key")
    if supplied is None and request.path.startswith("/open311/"):
        # GeoReport v2 carries the key as the `api_key` field; accept it on any Open311 call.
        supplied = request.args.get("api_key")
        if supplied is None and request.method == "POST":
            supplied = request.form.get("api_key")
    return supplied


def _require_api_key() -> Response | None:
    """Refuse requests without the configured key; Open311 reads are public, as GeoReport v2 says."""
    expected = current_app.config.get("API_KEY")
    if not expected or request.path in OPEN_PATHS:
        return None
    if request.path.startswith("/open311/") and request.method in OPEN311_PUBLIC_METHODS:
        return None
    supplied = _supplied_key()
    if supplied is not None and hmac.compare_digest(supplied.encode(), str(expected).encode()):
        return None
    if request.path.startswith("/open311/"):
        return open311.open311_error(403, "Invalid api_key: send the key as api_key or the X-Api-Key header.")
    return error_response(401, "invalid_api_key", "A valid API key is required in the X-Api-Key header.")


def _register_error_handlers(app: Flask) -> None:
    """Every error leaves as JSON (or Open311's error list), never as an HTML page."""
    open311_error = open311.open311_error

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, **error.extra)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code, message = HTTP_ERROR_CODES.get(status, ("http_error", error.description or "HTTP error."))
        if request.path.startswith("/open311/"):
            return open311_error(status, message)
        return error_response(status, code, message)

    @app.errorhandler(SQLAlchemyError)
    def _database_error(error: SQLAlchemyError) -> Response:
        log.exception("Database error")
        if request.path.startswith("/open311/"):
            return open311_error(503, "The service is unavailable. Please try again later.")
        return error_response(503, "service_unavailable", "The service is unavailable. Please try again later.")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("Unexpected error")
        if request.path.startswith("/open311/"):
            return open311_error(500, "Something went wrong on our side.")
        return error_response(500, "internal_error", "Something went wrong on our side.")
