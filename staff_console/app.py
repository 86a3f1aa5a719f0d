"""The staff console: a Flask application factory with login, roles, CSRF checks and the console's pages."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask import Flask

from connectors.directory import DirectoryConnector
from connectors.settings import ConnectorSettings
from staff_console.config import ConsoleConfig
from staff_console.db import make_engine, make_sessions
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
        CONSOLE=config,
    )
    sessions = make_sessions(make_engine(config.db_url))
    parts = Console(config=config, sessions=sessions,
                    reader=TrackerReader(config.tracker_db_url, low_confidence=config.low_confidence),
                    data=TrainingData(config.data_dir, config.heldout_dir), trainer=Trainer(sessions, config),
                    # The A to Z lives in the council systems (COUNCIL_API_URL, COUNCIL_API_KEY), as the bot reads it.
                    directory=DirectoryConnector(config.directory_settings or ConnectorSettings.from_env(),
                                                 cache_seconds=0))
    app.extensions["staff_console"] = {"console": parts, "sessions": sessions, "reader": parts.reader,
                                       "data": parts.data, "trainer": parts.trainer, "directory": parts.directory}

    # A request's session is released when the request ends, whatever happened (the trainer's thread uses
    # db.session_scope): the one place sessions are released in the web part.
    app.teardown_appcontext(lambda _error: sessions.remove())
    if config.started_model:  # what Rasa pulls until staff publish another (routes/model_server.py)
        parts.trainer.registry.mark_live(parts.trainer.registry.register(config.started_model.resolve()))
    for module in (auth, inbox, conversations, training, insights, model_server):
        app.register_blueprint(module.blueprint)
    app.add_url_rule("/health", "health", _health)
    return app


def _health() -> Any:
    """Liveness probe for the run command."""
    return {"status": "ok"}
