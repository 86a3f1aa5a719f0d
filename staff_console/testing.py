"""Driving a console in-process, as Flask's own ``flask.testing`` does: for the tests and ``bench/retrain_cycle.py``.

It lives in the package, not in ``tests/``, because the benchmark needs the same console and accounts the
tests use, and nothing outside ``tests/`` may import ``tests/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from staff_console.app import create_app
from staff_console.config import ConsoleConfig
from staff_console.db import User

PASSWORD = "correct horse battery"
ROLES = ("viewer", "editor", "publisher")
# The correction the benchmarks make: a message the shipped model gets wrong, relabelled as staff would.
SAMPLE_CORRECTION = ("when can i pop in and borrow some books", "library_opening_hours")


def make_console(tmp_path: Path, tracker: Path | str, data_dir: Path, **overrides: Any) -> tuple[Flask, ConsoleConfig]:
    """A console app with one account per role (named after it, password ``PASSWORD``); models go to tmp_path."""
    overrides.setdefault("models_dir", tmp_path / "models")
    overrides.setdefault("finetune_fraction", 0.0)  # from scratch unless a caller asks for fine-tuning
    tracker_url = tracker if isinstance(tracker, str) else f"sqlite:///{tracker}"  # a URL, or a SQLite file
    config = ConsoleConfig(db_url=f"sqlite:///{tmp_path / 'console.db'}", tracker_db_url=tracker_url,
                           data_dir=data_dir, secret_key="test-secret", **overrides)
    app = create_app(config)
    app.config["TESTING"] = True
    sessions = app.extensions["staff_console"]["sessions"]
    db = sessions()
    for role in ROLES:
        db.add(User(username=role, password_hash=generate_password_hash(PASSWORD), role=role))
    db.commit()
    sessions.remove()
    return app, config


def csrf(client: FlaskClient) -> str:
    """The CSRF token of the client's session (from the login page)."""
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client: FlaskClient, username: str) -> str:
    """Sign in as ``username``; returns the session's CSRF token."""
    token = csrf(client)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 302:
        raise AssertionError(f"login as {username} failed: {answer.get_data(as_text=True)[:500]}")
    with client.session_transaction() as session:
        return session["csrf_token"]
