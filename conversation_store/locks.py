"""Rasa's Redis lock store, riding out a restart of Redis instead of failing the turns that arrive meanwhile.

Rasa takes a conversation's lock in Redis at the start of every turn and gives it back at the end. Its
``RedisLockStore`` makes one attempt: a turn that meets Redis restarting, or the first command on a connection
pooled before the restart, ends with a ``LockError`` (the resident gets the apology, the message is never
stored). Here:

- redis-py sends a command that met a dead connection once more at once, on a new connection
  (``retry_on_error`` with ``Retry``), as SQLAlchemy's ``pool_pre_ping`` replaces the tracker store's;
- taking, waiting for and giving back the lock are tried again while Redis does not answer, for up to
  ``retry_seconds`` (``conversation_store.outage``), pausing without holding up the worker's other residents.

A Redis that restarts without its data (no persistence; a lock store needs none) forgets the locks held at
that moment: a turn already running carries on and finds nothing to give back.

Registered in the endpoints as ``type: conversation_store.locks.RetryingRedisLockStore`` with Rasa's own
settings for Redis (``url``, ``port``, ``db``, ``password``, ``key_prefix``, ...) and ``retry_seconds``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import rasa
import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.backoff import NoBackoff
from redis.retry import Retry

from conversation_store.outage import CONNECT_SECONDS, DEFAULT_RETRY_SECONDS, OutageRetry, caused_by

# lock() below repeats the steps of Rasa 3.6's LockStore.lock, each one retried; check it on another version.
WRITTEN_FOR_RASA = "3.6."
_OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def is_outage(error: BaseException) -> bool:
    """Whether an error (or the Redis error inside Rasa's ``LockError``) means Redis is unreachable for now."""
    return caused_by(error, _OUTAGE_ERRORS)


class RetryingRedisLockStore(RedisLockStore):
    """Rasa's ``RedisLockStore`` that waits up to ``retry_seconds`` for a Redis that does not answer."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **settings: Any) -> None:
        """Rasa's Redis settings from the endpoint (as Rasa builds a custom lock store) or as keywords."""
        if not rasa.__version__.startswith(WRITTEN_FOR_RASA):
            raise RuntimeError(
                f"conversation_store.locks repeats LockStore.lock of Rasa {WRITTEN_FOR_RASA}x; this is Rasa "
                f"{rasa.__version__}: check rasa/core/lock_store.py and update it.")
        if endpoint_config is not None:
            settings = {**endpoint_config.kwargs, **settings}
            if endpoint_config.url:
                settings.setdefault("host", endpoint_config.url)
        retry_seconds = float(settings.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        super().__init__(**settings)
        # Rasa's client connects lazily: every connection the pool makes from now on gets these. Only a dead
        # connection is replaced at once; a timeout is not repeated here, so one attempt stays within the bound.
        dead_connection = redis.exceptions.ConnectionError
        self.red.connection_pool.connection_kwargs.update(
            retry=Retry(NoBackoff(), 1, supported_errors=(dead_connection,)), retry_on_error=[dead_connection],
            socket_connect_timeout=CONNECT_SECONDS,
        )
        self._outage = OutageRetry("The lock store's Redis", retry_seconds, is_outage)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock: a ticket, then the wait for it, then the ticket given back, each tried again meanwhile."""
        ticket = await self._outage.call(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            yield await self._outage.call(self._acquire_lock, conversation_id, ticket, wait_time_in_seconds)
        finally:
            await self._outage.call(self.cleanup, conversation_id, ticket)
