"""The backend's settings: one typed object built from the environment at start, as every service of the project."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from council_backend.seed import SEED_DIR

DEFAULT_DATABASE_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'run' / 'council_backend.db'}"
MAX_BODY_BYTES = 1024 * 1024
ALLOW_NO_KEY_VARIABLE = "COUNCIL_BACKEND_ALLOW_NO_KEY"


@dataclass(frozen=True)
class BackendSettings:
    """Where the backend keeps its data, the key it asks for, and (tests only) a fixed clock.

    Environment (secrets have no default): ``COUNCIL_BACKEND_DB_URL`` [SQLite in run/], ``COUNCIL_API_KEY``
    [none: the backend refuses to start], ``COUNCIL_BACKEND_ALLOW_NO_KEY`` [unset; ``1`` starts a local
    demonstration without a key, open to every request, with a loud warning], ``COUNCIL_BACKEND_NOW`` [none:
    London's real time].
    """

    database_url: str = DEFAULT_DATABASE_URL
    api_key: str | None = None
    allow_no_key: bool = False
    now: str | None = None
    seed_dir: str = str(SEED_DIR)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BackendSettings:
        """Settings from environment variables, falling back to the documented defaults."""
        env = os.environ if environ is None else environ
        return cls(database_url=env.get("COUNCIL_BACKEND_DB_URL") or DEFAULT_DATABASE_URL,
                   api_key=env.get("COUNCIL_API_KEY") or None,
                   allow_no_key=env.get(ALLOW_NO_KEY_VARIABLE, "").strip() == "1",
                   now=env.get("COUNCIL_BACKEND_NOW") or None)

    def flask_config(self) -> dict[str, Any]:
        """The Flask config keys the backend's modules read."""
        return {"DATABASE_URL": self.database_url, "API_KEY": self.api_key, "ALLOW_NO_KEY": self.allow_no_key,
                "NOW": self.now, "SEED_DIR": self.seed_dir, "MAX_CONTENT_LENGTH": MAX_BODY_BYTES}


class MissingApiKey(RuntimeError):
    """The backend was asked to start without a key and without being told it is a local demonstration."""
