"""Console settings: one typed object read from environment variables with documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from councils.profile import current_profile
from evaluation import manifest

ROOT = manifest.ROOT


@dataclass
class ConsoleConfig:
    """Where the console keeps its state, where it reads transcripts, how it trains and publishes.

    Environment variables (defaults in brackets): ``CONSOLE_DB_URL`` [sqlite:///run/staff_console.db],
    ``TRACKER_DB_URL`` [sqlite:///run/tracker.db], ``RASA_URL`` [http://127.0.0.1:5005], ``RASA_AUTH_TOKEN``
    [none: Rasa's HTTP API token, which `make run` makes per run and hands to both],
    ``CONSOLE_SECRET_KEY`` [random per start: sessions end on restart], ``CONSOLE_SESSION_MINUTES`` [30],
    ``CONSOLE_LOW_CONFIDENCE`` [0.6], ``CONSOLE_DATA_DIR`` [nlu_data], ``CONSOLE_HELDOUT_DIR`` [nlu_heldout],
    ``CONSOLE_TRAIN_CONFIG`` [config.yml], ``CONSOLE_MODELS_DIR`` [models],
    ``CONSOLE_FINETUNE_FRACTION`` [0.05: fine-tune the live model with 5% of the epochs, 145 s of training
    against 455 s from scratch (means of two runs), and nearer the live model on every figure the gate checks
    (bench/finetune_vs_scratch.py, README "Staff console"); 0 trains from scratch],
    ``CONSOLE_GATE_TOLERANCE`` [1: held-out messages a new model may get wrong beyond the live model's, on each
    measure, before the gate counts it as worse; 0 is strict]; ``CONSOLE_RETENTION_DAYS`` [the council profile's
    ``conversation_retention_days``, 90]; ``CONSOLE_RETENTION_SCHEDULE`` [on: the service deletes expired
    conversations daily; off where cron or a systemd timer runs ``python -m staff_console retention``];
    ``CONSOLE_SECURE_COOKIE`` [0: ``make run`` serves plain HTTP on loopback; set 1 behind HTTPS so the session
    cookie never travels unencrypted];
    ``CONSOLE_LOGIN_LIMIT_ACCOUNT`` [5 per minute; 20 per hour] and ``CONSOLE_LOGIN_LIMIT_ADDRESS`` [20 per minute;
    100 per hour]: failed sign-ins allowed per username and per client address before the console answers 429;
    ``CONSOLE_RATE_LIMIT_STORAGE`` [memory://; for example redis://127.0.0.1:6379/0 so several console processes
    count together]; ``CONSOLE_URGENT_SET`` [bench/data/urgent_dev.yml: urgent messages per route; the gate
    refuses a model that misses one its predecessor caught]; ``CONSOLE_CONVERSATION_TESTS`` [tests/conversations:
    the Rasa test stories a new model must pass]; ``COUNCIL_API_URL`` and ``COUNCIL_API_KEY``: the council's A to
    Z, where editors add residents' words to a service (read by ``connectors.settings``).
    """

    db_url: str = f"sqlite:///{ROOT / 'run' / 'staff_console.db'}"
    tracker_db_url: str = f"sqlite:///{ROOT / 'run' / 'tracker.db'}"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    secret_key: str | None = None
    session_minutes: int = 30
    low_confidence: float = 0.6
    data_dir: Path = ROOT / manifest.NLU_DATA
    heldout_dir: Path = ROOT / manifest.HELDOUT
    urgent_set: Path | None = ROOT / manifest.URGENT_SET
    # None runs no conversation tests: only for tests whose tiny models have no dialogue policy to test.
    conversation_tests: Path | None = ROOT / manifest.CONVERSATION_TESTS
    train_config: Path = ROOT / manifest.CONFIG
    domain: Path = ROOT / manifest.DOMAIN
    dialogue_data: list[Path] = field(default_factory=lambda: [ROOT / d for d in manifest.DIALOGUE_DATA])
    models_dir: Path = ROOT / "models"
    # Rasa pulls the live model from GET /model/live?token=... (several workers or replicas: a PUT /model would
    # reach one); unset, that route answers 404 and publishing loads the model with PUT /model as before.
    model_pull_token: str | None = None
    started_model: Path | None = None  # the model `make run` started: live until staff publish another
    finetune_fraction: float = 0.05
    gate_tolerance: int = 1
    secure_cookie: bool = False
    login_limit_account: str = "5 per minute; 20 per hour"
    login_limit_address: str = "20 per minute; 100 per hour"
    rate_limit_storage: str = "memory://"
    # Compare the first retrain with the model Rasa runs (off only where tests start from an empty registry).
    adopt_running_model: bool = True
    root: Path = ROOT  # the repository: where Rasa runs and finds the project's components
    # Days conversations are kept in the tracker store (None: the council profile's conversation_retention_days).
    retention_days: int | None = None
    # Run the retention once a day inside the console service (``serve``); off only for a deployment that runs
    # ``python -m staff_console retention`` from cron or a systemd timer instead.
    retention_schedule: bool = True
    # Where the council's A to Z is (None: COUNCIL_API_URL and COUNCIL_API_KEY, as the action server reads them).
    directory_settings: Any = None

    @classmethod
    def from_env(cls, **overrides: Any) -> ConsoleConfig:
        """Settings from the environment, then ``overrides``."""
        env = os.environ
        values: dict[str, Any] = {}
        for name, key, kind in (
            ("db_url", "CONSOLE_DB_URL", str), ("tracker_db_url", "TRACKER_DB_URL", str),
            ("rasa_url", "RASA_URL", str), ("rasa_token", "RASA_AUTH_TOKEN", str),
            ("secret_key", "CONSOLE_SECRET_KEY", str),
            ("session_minutes", "CONSOLE_SESSION_MINUTES", int), ("low_confidence", "CONSOLE_LOW_CONFIDENCE", float),
            ("data_dir", "CONSOLE_DATA_DIR", Path), ("heldout_dir", "CONSOLE_HELDOUT_DIR", Path),
            ("urgent_set", "CONSOLE_URGENT_SET", Path), ("conversation_tests", "CONSOLE_CONVERSATION_TESTS", Path),
            ("train_config", "CONSOLE_TRAIN_CONFIG", Path), ("models_dir", "CONSOLE_MODELS_DIR", Path),
            ("finetune_fraction", "CONSOLE_FINETUNE_FRACTION", float),
            ("gate_tolerance", "CONSOLE_GATE_TOLERANCE", int),
            ("retention_days", "CONSOLE_RETENTION_DAYS", int),
            ("secure_cookie", "CONSOLE_SECURE_COOKIE", _flag),
            ("login_limit_account", "CONSOLE_LOGIN_LIMIT_ACCOUNT", str),
            ("login_limit_address", "CONSOLE_LOGIN_LIMIT_ADDRESS", str),
            ("rate_limit_storage", "CONSOLE_RATE_LIMIT_STORAGE", str),
            ("model_pull_token", "CONSOLE_MODEL_PULL_TOKEN", str), ("started_model", "CONSOLE_STARTED_MODEL", Path),
        ):
            if env.get(key):
                values[name] = kind(env[key])
        if env.get("CONSOLE_RETENTION_SCHEDULE"):
            values["retention_schedule"] = _flag(env["CONSOLE_RETENTION_SCHEDULE"])
        values.update(overrides)
        config = cls(**values)
        if config.db_url.startswith("sqlite:///"):
            Path(config.db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        return config

    def conversation_retention_days(self) -> int:
        """How many days conversations are kept: this setting, else the council profile's."""
        if self.retention_days is not None:
            return self.retention_days
        return current_profile().conversation_retention_days

def _flag(value: str) -> bool:
    """1/true/yes/on or 0/false/no/off; anything else is a mistake worth stopping for."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 1 or 0, got {value!r}")
