"""The console's pages, one blueprint per area (as the reference backend registers one per service).

Each view reaches the console's parts through ``console()``, set up once by ``create_app``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import scoped_session

from connectors.directory import DirectoryConnector
from staff_console.config import ConsoleConfig
from staff_console.retention import TrackerStoreCleaner
from staff_console.training import Trainer
from staff_console.training_data import TrainingData
from staff_console.transcripts import TrackerReader


@dataclass(frozen=True)
class Console:
    """What the views work with: settings, console database, transcripts, training data, trainer, A to Z, erasure."""

    config: ConsoleConfig
    sessions: scoped_session
    reader: TrackerReader
    data: TrainingData
    trainer: Trainer
    directory: DirectoryConnector
    cleaner: TrackerStoreCleaner  # the one writer of the tracker store: retention and erasure


def console() -> Console:
    """The running app's console parts."""
    return current_app.extensions["staff_console"]["console"]
