"""Fixtures for the staff console: a copy of the NLU data, a console app, staff accounts, a logged-in client."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from local_stack.services import ROOT
from staff_console.sample_tracker import write_conversations
from staff_console.testing import PASSWORD, csrf, login, make_console

__all__ = ["PASSWORD", "csrf", "login", "make_console"]  # the console tests import them from here


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


@pytest.fixture
def console(tmp_path: Path, fake_tracker: Path, data_copy: Path):
    app, _ = make_console(tmp_path, fake_tracker, data_copy)
    return app
