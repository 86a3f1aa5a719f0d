"""Database engine and the per-request session: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

EXTENSION = "council_backend"


def make_engine(url: str) -> Engine:
    """Build an engine that behaves the same in a threaded server on SQLite and PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:") or "mode=memory" in database
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 15}}
        if in_memory:
            # One shared connection, or every connection would see its own empty database.
            kwargs["poolclass"] = StaticPool
        else:
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 5
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args)


def make_session_factory(engine: Engine) -> sessionmaker:
    """Sessions keep loaded values after commit, so views can render what they just saved."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def session() -> Session:
    """Return this request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION]["sessions"]()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session (Flask teardown hook), rolling back anything uncommitted."""
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def next_number(db_session: Session, counter: str) -> int:
    """Issue the next number of a reference series inside the caller's transaction.

    The UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite), so two requests at once
    never get the same number.
    """
    from council_backend.models import Counter

    db_session.query(Counter).filter(Counter.name == counter).update(
        {Counter.value: Counter.value + 1}, synchronize_session=False
    )
    return db_session.query(Counter.value).filter(Counter.name == counter).scalar()
