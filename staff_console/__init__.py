"""Staff console: review transcripts, correct intents, retrain, evaluate and publish models."""

from staff_console.app import create_app
from staff_console.config import ConsoleConfig

__all__ = ["ConsoleConfig", "create_app"]
