"""The Redis lock store while Redis restarts: built as Rasa builds it, each step retried for a bounded time.

Redis here is a fake in memory that refuses a given number of commands, as a restarting Redis does
(``redis.exceptions.ConnectionError``); the store is built from its endpoint as Rasa builds a custom lock store.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

LOCK_STORE_TYPE = "conversation_store.locks.RetryingRedisLockStore"


class FakeRedis:
    """Just the commands Rasa's Redis lock store sends; the next ``failures`` of them are refused."""

    def __init__(self, failures: int = 0) -> None:
        self.data: dict[str, bytes] = {}
        self.failures, self.commands = failures, 0

    def _command(self) -> None:
        self.commands += 1
        if self.failures:
            self.failures -= 1
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def get(self, key: str) -> bytes | None:
        self._command()
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        self._command()
        self.data[key] = value.encode() if isinstance(value, str) else value

    def delete(self, key: str) -> int:
        self._command()
        return int(self.data.pop(key, None) is not None)


def lock_store(retry_seconds: float = 1.0) -> LockStore:
    """The store as Rasa builds it from ``endpoints.yml`` (``LockStore.create``)."""
    return LockStore.create(EndpointConfig(url="127.0.0.1", type=LOCK_STORE_TYPE, port=6379, db=1,
                                           key_prefix="councilassistant", retry_seconds=retry_seconds))


async def one_turn(store: LockStore, conversation: str, while_locked: FakeRedis | None = None) -> None:
    """What Rasa's agent does for each message: hold the conversation's lock while the turn runs."""
    async with store.lock(conversation, wait_time_in_seconds=0.01):
        if while_locked is not None:
            while_locked.failures = 3  # Redis goes away during the turn: giving the ticket back must wait
        await asyncio.sleep(0.01)


def test_built_from_its_endpoint_as_rasa_builds_it_and_still_runs_several_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.core.utils import number_of_sanic_workers

    store = lock_store(retry_seconds=2.5)
    assert type(store).__module__ + "." + type(store).__name__ == LOCK_STORE_TYPE
    assert store.key_prefix == "councilassistant:lock:" and store._outage.seconds == 2.5
    connection = store.red.connection_pool.connection_kwargs
    # redis-py sends a command that met a dead connection (Redis restarted) again at once, on a new connection
    assert connection["retry_on_error"] == [redis.exceptions.ConnectionError] and connection["retry"] is not None
    assert connection["socket_connect_timeout"] <= 2 and (connection["host"], connection["db"]) == ("127.0.0.1", 1)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    endpoint = EndpointConfig(url="127.0.0.1", type=LOCK_STORE_TYPE)
    assert number_of_sanic_workers(endpoint) == 2 and number_of_sanic_workers(store) == 2


def test_a_turn_while_redis_restarts_gets_its_lock_and_gives_it_back() -> None:
    store = lock_store()
    store.red = fake = FakeRedis(failures=4)  # Redis refuses the turn's first commands, then answers again
    asyncio.run(one_turn(store, "resident"))
    assert fake.commands > 4 and fake.data == {}  # the ticket was given back


def test_giving_the_ticket_back_waits_for_redis_too() -> None:
    store = lock_store()
    store.red = fake = FakeRedis()
    asyncio.run(one_turn(store, "resident", while_locked=fake))
    assert fake.data == {}  # not left behind to hold up the conversation's next turn for a minute


def test_past_the_bound_the_turn_fails_as_rasa_fails_it_and_the_next_does_not_wait() -> None:
    store = lock_store(retry_seconds=0.3)
    store.red = fake = FakeRedis(failures=10_000)
    started = time.monotonic()
    with pytest.raises(LockError):  # Rasa's own error: the resident's channel answers with the apology
        asyncio.run(one_turn(store, "resident"))
    assert 0.3 <= time.monotonic() - started < 1.0
    commands, started = fake.commands, time.monotonic()
    with pytest.raises(LockError):
        asyncio.run(one_turn(store, "another resident"))
    assert fake.commands == commands + 1 and time.monotonic() - started < 0.2
    fake.failures = 0
    asyncio.run(one_turn(store, "resident"))
    assert fake.data == {}


def test_turns_of_one_conversation_still_take_the_lock_in_turn() -> None:
    store = lock_store()
    store.red = FakeRedis(failures=2)
    order: list[str] = []

    async def turn(name: str) -> None:
        async with store.lock("resident", wait_time_in_seconds=0.01):
            order.append(f"{name}-start")
            await asyncio.sleep(0.05)
            order.append(f"{name}-end")

    async def both() -> None:
        await asyncio.gather(turn("a"), turn("b"))

    asyncio.run(both())
    assert order in (["a-start", "a-end", "b-start", "b-end"], ["b-start", "b-end", "a-start", "a-end"])
