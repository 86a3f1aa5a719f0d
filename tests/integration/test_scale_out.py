"""The scale-out configuration (bot/scale-out/endpoints.yml) against the real PostgreSQL, Redis and RabbitMQ.

These services run on the machine; when one is absent the test fails with its connection error, it never skips.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from local_stack.services import ROOT

pytestmark = pytest.mark.scale_out
ENDPOINTS = str(ROOT / "bot" / "scale-out" / "endpoints.yml")
QUEUE = "council_assistant_events"


@pytest.fixture(autouse=True)
def scale_out_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's services, as the README tells a council to configure them."""
    for name, value in {
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook", "ACTION_SERVER_TOKEN": "scale-out-test-secret",
        "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": "test",
        "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
        "MODEL_SERVER_URL": "http://127.0.0.1:5200/model/live", "MODEL_SERVER_TOKEN": "not-a-secret",
        "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "guest", "RABBITMQ_PASSWORD": "guest",
    }.items():
        monkeypatch.setenv(name, value)


def test_replicas_share_conversations_through_the_postgresql_tracker_store() -> None:
    async def scenario() -> DialogueStateTracker:
        domain = Domain.load(str(ROOT / "bot" / "domain"))
        config = read_endpoint_config(ENDPOINTS, "tracker_store")
        writer, reader = TrackerStore.create(config, domain), TrackerStore.create(config, domain)
        sender = f"scale-out-{uuid.uuid4().hex[:10]}"
        tracker = DialogueStateTracker.from_events(
            sender, [UserUttered("when is my bin day", {"name": "bin_collection_day"}), SlotSet("postcode", "FB1 2AA")]
        )
        await writer.save(tracker)
        return await reader.retrieve(sender)

    restored = asyncio.run(scenario())
    assert restored is not None
    assert restored.get_slot("postcode") == "FB1 2AA"
    assert restored.latest_message.text == "when is my bin day"


def test_redis_lock_store_serialises_turns_of_one_conversation() -> None:
    async def scenario() -> list[str]:
        store = LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store"))
        sender, order = f"lock-{uuid.uuid4().hex[:10]}", []

        async def turn(name: str) -> None:
            async with store.lock(sender, wait_time_in_seconds=0.05):
                order.append(f"{name}-start")
                await asyncio.sleep(0.2)
                order.append(f"{name}-end")

        await asyncio.gather(turn("a"), turn("b"))
        return order

    order = asyncio.run(scenario())
    assert order in (["a-start", "a-end", "b-start", "b-end"], ["b-start", "b-end", "a-start", "a-end"])


def test_events_are_published_to_rabbitmq() -> None:
    async def scenario() -> dict:
        broker = await EventBroker.create(read_endpoint_config(ENDPOINTS, "event_broker"))
        marker = uuid.uuid4().hex
        broker.publish({"event": "user", "sender_id": marker, "text": "hello", "timestamp": 1.0})
        await asyncio.sleep(1.0)
        await broker.close()
        connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(QUEUE, durable=True)
            for _ in range(200):
                message = await queue.get(no_ack=True, fail=False, timeout=5)
                if message is None:
                    break
                body = json.loads(message.body)
                if body.get("sender_id") == marker:
                    return body
        raise AssertionError(f"event {marker} not found on queue {QUEUE}")

    assert asyncio.run(scenario())["text"] == "hello"


def test_replicas_starting_together_create_the_window_table_once() -> None:
    """Rasa's Sanic workers start at the same moment: each creates the window table if missing, none fails."""
    import threading

    import psycopg2

    from conversation_store.windowed import WindowedSQLTrackerStore

    database = f"council_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    failures: list[BaseException] = []
    together = threading.Barrier(12)

    def start_worker() -> None:
        together.wait()
        try:
            WindowedSQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432, db=database,
                                    username="postgres")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    try:
        workers = [threading.Thread(target=start_worker) for _ in range(12)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
    assert not failures, failures
