"""The staff console: a Flask application factory with login, roles, CSRF checks and the console's pages."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from connectors.directory import DirectoryConnector
from connectors.settings import ConnectorSettings
from staff_console.config import ConsoleConfig
from staff_console.db import make_engine, make_sessions
from staff_console.retention import TrackerStoreCleaner
from staff_console.routes import Console, auth, conversations, inbox, insights, model_server, training
from staff_console.training import Trainer
from staff_console.training_data import TrainingData
from staff_console.transcripts import TrackerReader


def create_app(config: ConsoleConfig | None = None) -> Flask:
    """Build the console for ``config`` (defaults from the environment); nothing is built at import time."""
    config = config or ConsoleConfig.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key or secrets.token_hex(32),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=config.session_minutes),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookie,
        CONSOLE=config,
    )
    sessions = make_sessions(make_engine(config.db_url))
    parts = Console(config=config, sessions=sessions,
                    reader=TrackerReader(config.tracker_db_url, low_confidence=config.low_confidence),
                    data=TrainingData(config.data_dir, config.heldout_dir, config.domain),
                    trainer=Trainer(sessions, config),
                    # The A to Z lives in the council systems (COUNCIL_API_URL, COUNCIL_API_KEY), as the bot reads it.
                    directory=DirectoryConnector(config.directory_settings or ConnectorSettings.from_env(),
                                                 cache_seconds=0),
                    cleaner=TrackerStoreCleaner(config.tracker_db_url))
    app.extensions["staff_console"] = {"console": parts, "sessions": sessions, "reader": parts.reader,
                                       "data": parts.data, "trainer": parts.trainer, "directory": parts.directory}

    # A request's session is released when the request ends, whatever happened (the trainer's thread uses
    # db.session_scope): the one place sessions are released in the web part.
    app.teardown_appcontext(lambda _error: sessions.remove())
    if config.started_model:  # what Rasa pulls until staff publish another (routes/model_server.py)
        parts.trainer.registry.mark_live(parts.trainer.registry.register(config.started_model.resolve()))
    for module in (auth, inbox, conversations, training, insights, model_server):
        app.register_blueprint(module.blueprint)
    _limit_sign_ins(app, config)
    app.after_request(_no_framing)
    app.add_url_rule("/health", "health", _health)
    return app


def _limit_sign_ins(app: Flask, config: ConsoleConfig) -> None:
    """Failed sign-ins are limited per username and per client address (Flask-Limiter, one limiter per app)."""
    limiter = Limiter(key_func=get_remote_address, app=app, storage_uri=config.rate_limit_storage,
                      strategy="moving-window", headers_enabled=True)
    view = app.view_functions["auth.login"]
    for limit, key in ((config.login_limit_account, auth.sign_in_account),
                       (config.login_limit_address, get_remote_address)):
        view = limiter.limit(limit, key_func=key, methods=["POST"], deduct_when=auth.failed_sign_in)(view)
    app.view_functions["auth.login"] = view
    app.extensions["staff_console"]["limiter"] = limiter


def _no_framing(response: Response) -> Response:
    """No other site may show the console in a frame (clickjacking a publisher into retraining or publishing)."""
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _health() -> Any:
    """Liveness probe for the run command."""
    return {"status": "ok"}
