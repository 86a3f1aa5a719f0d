"""How many Rasa workers `make run` starts, and the stores they share: PostgreSQL and Redis when they answer.

Rasa runs several Sanic workers only with a lock store that is not in memory (a Redis one), and the workers
must share one tracker store that takes concurrent writers (PostgreSQL; SQLite is one file on one machine).
So: when both answer, Rasa runs one worker per core on them, with the endpoints of ``bot/endpoints.yml``
otherwise unchanged (one source for the action endpoint and the tracker window); when either is absent,
Rasa runs as one process on the embedded defaults (SQLite, in-memory lock), and the run says so and why.
The same settings make the multi-machine layout of the README: every replica gets the same URLs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_ENDPOINTS = ROOT / "bot" / "endpoints.yml"
# The several machines' endpoints: their lock store (Rasa's Redis one, riding out a restart) is the workers' too.
SCALE_OUT_ENDPOINTS = ROOT / "bot" / "scale-out" / "endpoints.yml"
MODES = ("auto", "shared", "embedded")
LOCK_KEY_PREFIX = "councilassistant"  # Rasa accepts letters and digits only


@dataclass(frozen=True)
class ScaleSettings:
    """Where the shared stores are and how many workers to run (environment variables, with defaults)."""

    mode: str = "auto"  # COUNCIL_STORES: auto (shared when they answer), shared (required), embedded
    tracker_db_url: str = "postgresql://postgres@127.0.0.1:5432/council_assistant"  # COUNCIL_TRACKER_DB_URL
    redis_url: str = "redis://127.0.0.1:6379/1"  # COUNCIL_REDIS_URL
    workers: int = 0  # RASA_WORKERS; 0: one per core
    model_pull_seconds: int = 10  # RASA_MODEL_PULL_SECONDS: how often workers ask the console for a published model

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ScaleSettings:
        """Read the settings; a wrong value is an error that names the variable."""
        env = os.environ if environ is None else environ
        mode = env.get("COUNCIL_STORES", cls.mode)
        if mode not in MODES:
            raise ValueError(f"COUNCIL_STORES must be one of {', '.join(MODES)}, got {mode!r}")
        try:
            workers = int(env.get("RASA_WORKERS", cls.workers))
            pull = int(env.get("RASA_MODEL_PULL_SECONDS", cls.model_pull_seconds))
        except ValueError as error:
            raise ValueError(f"RASA_WORKERS and RASA_MODEL_PULL_SECONDS must be whole numbers: {error}") from None
        if workers < 0 or pull < 1:
            raise ValueError("RASA_WORKERS must be >= 0 (0: one per core) and RASA_MODEL_PULL_SECONDS >= 1")
        return cls(mode, env.get("COUNCIL_TRACKER_DB_URL", cls.tracker_db_url),
                   env.get("COUNCIL_REDIS_URL", cls.redis_url), workers, pull)


@dataclass(frozen=True)
class ScalePlan:
    """What Rasa runs on: its endpoints file, worker count and environment, and the console's tracker database."""

    endpoints: Path
    workers: int
    tracker_db_url: str  # SQLAlchemy URL the staff console reads transcripts from
    shared: bool
    summary: str  # one line for the person who ran `make run`
    rasa_env: dict[str, str] = field(default_factory=dict)
    actions_env: dict[str, str] = field(default_factory=dict)


def postgres_problem(url: str) -> str | None:
    """Why the tracker database cannot be used, or None; creates the database when the server lacks it."""
    import psycopg2
    from psycopg2 import sql

    parsed = make_url(url)
    params = {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432, "user": parsed.username,
              "password": parsed.password, "connect_timeout": 2}
    try:
        connection = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.Error as error:
        return f"PostgreSQL at {parsed.host}:{parsed.port or 5432} does not answer ({' '.join(str(error).split())})"
    try:
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))
    except psycopg2.Error as error:
        return f"PostgreSQL refused database {parsed.database} ({' '.join(str(error).split())})"
    finally:
        connection.close()
    return None


def redis_problem(url: str) -> str | None:
    """Why the Redis lock store cannot be used, or None."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {url} does not answer ({error})"
    return None


def shared_endpoints(settings: ScaleSettings) -> dict:
    """``bot/endpoints.yml`` with the PostgreSQL tracker store and the Redis lock store (``bot/scale-out``'s type)."""
    endpoints = yaml.safe_load(EMBEDDED_ENDPOINTS.read_text(encoding="utf-8"))
    lock_store_type = yaml.safe_load(SCALE_OUT_ENDPOINTS.read_text(encoding="utf-8"))["lock_store"]["type"]
    db, cache = make_url(settings.tracker_db_url), make_url(settings.redis_url)
    tracker = {key: value for key, value in endpoints["tracker_store"].items() if key not in ("dialect", "db")}
    tracker.update({"dialect": "postgresql", "url": db.host, "port": db.port or 5432, "db": db.database,
                    "username": db.username, "password": db.password})
    endpoints["tracker_store"] = {key: value for key, value in tracker.items() if value is not None}
    endpoints["lock_store"] = {
        key: value for key, value in {
            "type": lock_store_type, "url": cache.host, "port": cache.port or 6379,
            "db": int(cache.database or 0), "password": cache.password, "key_prefix": LOCK_KEY_PREFIX,
        }.items() if value is not None
    }
    return endpoints


def _write_endpoints(endpoints: dict, settings: ScaleSettings, run_dir: Path, model_url: str | None,
                     model_token: str | None) -> Path:
    """``run/endpoints.yml``: ``endpoints`` plus, given a model server, Rasa's pull of the live model from it."""
    if model_url:
        # Every worker (and replica) pulls the published model itself: a PUT /model would reach only one.
        endpoints["models"] = {"url": model_url, "token": model_token,
                               "wait_time_between_pulls": settings.model_pull_seconds}
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)  # it may hold the database's password and the model server's token
    return path


def plan(settings: ScaleSettings, run_dir: Path, model_url: str | None = None,
         model_token: str | None = None) -> ScalePlan:
    """Decide between several workers on the shared stores and one process on the embedded ones.

    ``model_url``: the model server every worker pulls the live model from (with ``model_token``).

    Raises:
        RuntimeError: ``COUNCIL_STORES=shared`` and a shared store does not answer.

    """
    embedded_db = f"sqlite:///{ROOT / 'run' / 'tracker.db'}"
    problems = ["COUNCIL_STORES=embedded"] if settings.mode == "embedded" else [
        problem for problem in (postgres_problem(settings.tracker_db_url), redis_problem(settings.redis_url))
        if problem]
    if problems and settings.mode == "shared":
        raise RuntimeError("COUNCIL_STORES=shared, but " + "; ".join(problems))
    if problems:
        embedded = yaml.safe_load(EMBEDDED_ENDPOINTS.read_text(encoding="utf-8"))
        path = _write_endpoints(embedded, settings, run_dir, model_url, model_token) if model_url \
            else EMBEDDED_ENDPOINTS
        return ScalePlan(path, 1, embedded_db, False,
                         "Rasa: one process on the embedded stores (SQLite, in-memory lock), because "
                         + "; ".join(problems))
    workers = settings.workers or os.cpu_count() or 1
    path = _write_endpoints(shared_endpoints(settings), settings, run_dir, model_url, model_token)
    db = make_url(settings.tracker_db_url)
    return ScalePlan(
        path, workers, db.set(drivername="postgresql").render_as_string(hide_password=False), True,
        f"Rasa: {workers} workers sharing PostgreSQL {db.host}:{db.port or 5432}/{db.database} (tracker store) "
        f"and Redis {make_url(settings.redis_url).host} (lock store)"
        + (f"; each pulls published models every {settings.model_pull_seconds} s" if model_url else ""),
        rasa_env={"SANIC_WORKERS": str(workers)},
        # The action server keeps no state between calls: it runs as many workers as Rasa.
        actions_env={"ACTION_SERVER_SANIC_WORKERS": str(workers)},
    )
