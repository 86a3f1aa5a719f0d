"""The console's own database: staff accounts, corrections, the audit log, training jobs and the model registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, scoped_session, sessionmaker

Base = declarative_base()
ROLES = ("viewer", "editor", "publisher")


def utcnow() -> dt.datetime:
    """Now in UTC, naive (stored as UTC everywhere)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class User(Base):
    """A staff account; the role grants viewer < editor < publisher."""

    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    username = Column(String(80), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(20), nullable=False, default="viewer")
    created_at = Column(DateTime, default=utcnow)

    def can(self, role: str) -> bool:
        """Whether this account holds ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


class StaffSession(Base):
    """A signed-in browser. The cookie only names it, so signing out or a new password ends it, copies included."""

    __tablename__ = "staff_sessions"
    id = Column(String(64), primary_key=True)  # random; the signed session cookie carries it
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False, index=True)
    created_at = Column(DateTime, default=utcnow)
    seen_at = Column(DateTime, default=utcnow, index=True)


def end_sessions(db: Session, user_id: int) -> None:
    """End every session of an account (its password changed): copied cookies stop working too."""
    db.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


class Correction(Base):
    """A staff decision about one resident message (text already redacted)."""

    __tablename__ = "corrections"
    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, index=True)
    sender_id = Column(String(255))
    text = Column(Text, nullable=False)
    annotated = Column(Text)  # the example as written to nlu_data (with [entity](spans))
    predicted_intent = Column(String(100))
    confidence = Column(Float)
    action = Column(String(20), nullable=False)  # confirm | relabel | out_of_scope
    intent = Column(String(100), nullable=False)
    data_file = Column(String(255))
    outcome = Column(String(40))  # written | duplicate | heldout
    username = Column(String(80))
    created_at = Column(DateTime, default=utcnow)


class AuditEntry(Base):
    """Who changed what and when: corrections, training data changes, trainings, publications."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, default=utcnow, index=True)
    username = Column(String(80))
    action = Column(String(40), nullable=False)
    detail = Column(Text)


class TrainingJob(Base):
    """A background training with its progress, so a page reload shows where it is."""

    __tablename__ = "training_jobs"
    id = Column(Integer, primary_key=True)
    status = Column(String(20), default="queued")  # queued, training, evaluating, published, refused, failed
    progress = Column(Float, default=0.0)
    message = Column(Text, default="")
    username = Column(String(80))
    started_at = Column(DateTime, default=utcnow)
    finished_at = Column(DateTime)
    model_id = Column(Integer, ForeignKey("models.id"))


class ModelRecord(Base):
    """A trained model kept with its evaluation, so staff can roll back to it."""

    __tablename__ = "models"
    id = Column(Integer, primary_key=True)
    path = Column(String(500), unique=True, nullable=False)
    created_at = Column(DateTime, default=utcnow)
    evaluation_path = Column(String(500))
    accuracy = Column(Float)
    macro_f1 = Column(Float)
    oos_recall = Column(Float)
    status = Column(String(20), default="candidate")  # candidate, live, retired, refused
    gate_report = Column(Text)  # JSON: comparison with the live model at gate time
    published_at = Column(DateTime)


def make_engine(url: str) -> Engine:
    """An engine for the console DB (SQLite or PostgreSQL by URL); SQLite allows use from the trainer thread."""
    kwargs = {"connect_args": {"check_same_thread": False}} if url.startswith("sqlite") else {}
    engine = create_engine(url, future=True, **kwargs)
    Base.metadata.create_all(engine)
    return engine


def make_sessions(engine: Engine) -> scoped_session:
    """A thread-local session factory bound to ``engine``."""
    return scoped_session(sessionmaker(bind=engine, future=True, expire_on_commit=False))


@contextmanager
def session_scope(sessions: scoped_session) -> Iterator[Session]:
    """One unit of work outside a request: commit on success, roll back on error, release the session always.

    Requests release theirs at teardown (``create_app``); the trainer's thread uses this, so no code path
    can leave a session open on an exception.
    """
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        sessions.remove()
