"""Fixtures for the staff console: a copy of the NLU data, a console app, staff accounts, a logged-in client."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from local_stack.services import ROOT
from staff_console import ConsoleConfig, create_app
from staff_console.db import User
from tests.staff_console.tracker_factory import write_conversations

PASSWORD = "correct horse battery"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of nlu_data/ (tests never write the real training data)."""
    target = tmp_path / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", target)
    return target


@pytest.fixture
def fake_tracker(tmp_path: Path) -> Path:
    """A tracker store with a few Rasa-shaped conversations."""
    path = tmp_path / "tracker.db"
    write_conversations(path, 12)
    return path


def make_console(tmp_path: Path, tracker: Path | str, data_dir: Path, **overrides) -> tuple:
    """A console app with one account per role; returns (app, config). Models go to tmp, never models/."""
    overrides.setdefault("models_dir", tmp_path / "models")
    overrides.setdefault("finetune_fraction", 0.0)  # from scratch unless a test asks for fine-tuning
    tracker_url = tracker if isinstance(tracker, str) else f"sqlite:///{tracker}"  # a URL, or a SQLite file
    config = ConsoleConfig(db_url=f"sqlite:///{tmp_path / 'console.db'}", tracker_db_url=tracker_url,
                           data_dir=data_dir, secret_key="test-secret", **overrides)
    app = create_app(config)
    app.config["TESTING"] = True
    sessions = app.extensions["staff_console"]["sessions"]
    db = sessions()
    for role in ("viewer", "editor", "publisher"):
        db.add(User(username=role, password_hash=generate_password_hash(PASSWORD), role=role))
    db.commit()
    sessions.remove()
    return app, config


@pytest.fixture
def console(tmp_path: Path, fake_tracker: Path, data_copy: Path):
    app, _ = make_console(tmp_path, fake_tracker, data_copy)
    return app


def csrf(client) -> str:
    """The CSRF token of the client's session (from the login page)."""
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username: str) -> str:
    """Sign in as ``username``; returns the session's CSRF token."""
    token = csrf(client)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with client.session_transaction() as session:
        return session["csrf_token"]
