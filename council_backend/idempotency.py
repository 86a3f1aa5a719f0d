"""Idempotent submissions: a repeat of an `Idempotency-Key` answers the first response instead of a second report.

A resident who confirms twice, or a client that retries after a timeout, sends the same key (IETF draft
"The Idempotency-Key HTTP Header Field"). The key is stored with the response in the transaction that creates
the report, so two requests with one key at once still make one report: the second fails to store the key,
rolls back its report and answers the first one's response. A key is remembered for `KEY_LIFETIME`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from flask import request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from council_backend import clock
from council_backend.errors import ApiError
from council_backend.models import IdempotentSubmission

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
KEY_LIFETIME = timedelta(hours=24)


class KeyReused(ApiError):
    """The key was used before for a different submission (422, as the IETF draft says)."""

    def __init__(self) -> None:
        super().__init__(422, "idempotency_key_reused",
                         f"This {HEADER} was already used for a different request; send a new key.")


def request_key() -> str | None:
    """The request's `Idempotency-Key`, None when it has none.

    Raises:
        ApiError: 400 `invalid_request` for a key that is not 8 to 100 letters, digits or `_.:-`.

    """
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip().strip('"')  # the draft writes the key as a quoted string; accept it bare too
    if not KEY_PATTERN.match(key):
        raise ApiError(400, "invalid_request", f"{HEADER} must be 8 to 100 letters, digits or _ . : -")
    return key


def fingerprint(content: Any) -> str:
    """A digest of what was submitted, so a key reused for something else is refused rather than replayed."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def earlier(db_session: Session, scope: str, key: str, digest: str) -> IdempotentSubmission | None:
    """The submission this key already made, if any within its lifetime.

    Raises:
        KeyReused: the key made a submission of different content.

    """
    found = db_session.get(IdempotentSubmission, (scope, key))
    if found is None or found.created_at < clock.to_db(clock.now() - KEY_LIFETIME):
        return None
    if found.fingerprint != digest:
        raise KeyReused
    return found


def remember(db_session: Session, scope: str, key: str, digest: str, status: int, body: Any) -> None:
    """Store the key with its response in the caller's transaction; forget keys past their lifetime."""
    cutoff = clock.to_db(clock.now() - KEY_LIFETIME)
    expired = (IdempotentSubmission.scope == scope) & (IdempotentSubmission.created_at < cutoff)
    db_session.execute(delete(IdempotentSubmission).where(expired))
    db_session.add(IdempotentSubmission(scope=scope, key=key, fingerprint=digest, status=status, body=body,
                                        created_at=clock.to_db(clock.now())))


def commit_or_replay(db_session: Session, scope: str, key: str | None, digest: str) -> IdempotentSubmission | None:
    """Commit the new submission; when a request with the same key won the race, roll back and return its answer."""
    try:
        db_session.commit()
    except IntegrityError:
        if key is None:
            raise
        db_session.rollback()
        winner = db_session.execute(
            select(IdempotentSubmission).where(IdempotentSubmission.scope == scope, IdempotentSubmission.key == key)
        ).scalar_one_or_none()
        if winner is None:
            raise
        if winner.fingerprint != digest:
            raise KeyReused from None
        return winner
    return None
