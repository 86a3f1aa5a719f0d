"""Rasa scaled out on the machine's PostgreSQL and Redis: two Sanic workers, then two replicas behind HAProxy.

Both fail loudly when PostgreSQL, Redis or HAProxy is absent (``COUNCIL_STORES=shared`` refuses to fall back);
they never skip. Each run uses a fresh PostgreSQL database, dropped afterwards.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import requests

from local_stack.balancer import balancer_service
from local_stack.scale import ScaleSettings, plan
from local_stack.services import Service, Stack, rasa_service
from tests.conftest import free_port
from tests.scaled_rasa import (
    BIN_DAY,
    LOADING_SECONDS,
    check_bin_day,
    say,
    start_backend_and_actions,
    start_rasa_workers,
    turns_of,
    worker_pids,
)

pytestmark = pytest.mark.scale_out


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """A fresh tracker database on the machine's PostgreSQL, Redis, and the backend and action server."""
    work = tmp_path_factory.mktemp("scale")
    database = f"council_test_{uuid.uuid4().hex[:10]}"
    settings = ScaleSettings(mode="shared", tracker_db_url=f"postgresql://postgres@127.0.0.1:5432/{database}",
                             redis_url="redis://127.0.0.1:6379/1", workers=2)
    scale = plan(settings, work)  # fails here, loudly, when PostgreSQL or Redis does not answer
    stack, actions_port, tokens = start_backend_and_actions(work)
    try:
        yield scale, actions_port, work, tokens
    finally:
        stack.stop()
        connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def test_two_rasa_workers_serve_conversations_consistently(model_path: Path, shared: tuple) -> None:
    scale, actions_port, work, tokens = shared
    assert scale.shared and scale.rasa_env == {"SANIC_WORKERS": "2"}
    stack, rasa, url = start_rasa_workers(model_path, scale, actions_port, tokens, work / "workers")
    try:
        cpu_before = {pid: _cpu_seconds(pid) for pid in worker_pids(rasa.process.pid)}

        def conversation(sender: str) -> list[list[dict]]:
            return [say(url, sender, text) for text in BIN_DAY]

        senders = [f"workers-{i}-{uuid.uuid4().hex[:8]}" for i in range(8)]
        with ThreadPoolExecutor(8) as pool:
            for answers in pool.map(conversation, senders):
                check_bin_day(answers)
        for sender in senders:  # every turn stored once, in order, answered before the next
            stored = turns_of(url, sender, tokens.rasa)
            assert [text for text, _ in stored] == BIN_DAY and all(bots for _, bots in stored), stored

        # two messages of one conversation at the same moment: the Redis lock takes them one after the other
        sender = f"workers-same-{uuid.uuid4().hex[:8]}"
        say(url, sender, "hello")
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda text: say(url, sender, text), ["when is the tip open", "thanks"]))
        stored = turns_of(url, sender, tokens.rasa)
        assert sorted(text for text, _ in stored[1:]) == ["thanks", "when is the tip open"]
        assert len(stored) == 3 and all(bots for _, bots in stored), stored

        used = {pid: _cpu_seconds(pid) - before for pid, before in cpu_before.items()}
        assert all(seconds > 0.2 for seconds in used.values()), f"a worker took no turns: {used}"
    finally:
        stack.stop()


def test_one_conversation_alternates_between_replicas_behind_haproxy(model_path: Path, shared: tuple) -> None:
    scale, actions_port, work, tokens = shared
    ports = [free_port(), free_port()]
    replicas: list[Service] = []
    for i, port in enumerate(ports):
        replica = rasa_service(port, model_path, actions_port, tokens.rasa, tokens.action,
                               endpoints=str(scale.endpoints))
        replica.name, replica.startup_seconds = f"rasa-{i + 1}", LOADING_SECONDS
        replicas.append(replica)
    balancer_port, stats_port = free_port(), free_port()
    balancer = balancer_service(balancer_port, [f"127.0.0.1:{port}" for port in ports], work / "haproxy",
                                stats_port=stats_port, rasa_token=tokens.rasa)
    stack = Stack([*replicas, balancer], log_dir=work / "replicas")
    stack.start()
    try:
        direct = [f"http://127.0.0.1:{port}" for port in ports]
        through = f"http://127.0.0.1:{balancer_port}"
        stop, background_errors = threading.Event(), []

        def resident(index: int) -> None:  # residents talking through HAProxy meanwhile
            while not stop.is_set():
                try:
                    say(through, f"crowd-{index}-{uuid.uuid4().hex[:6]}", "is the tip open on sunday")
                except requests.RequestException as error:
                    background_errors.append(error)

        crowd = [threading.Thread(target=resident, args=(i,), daemon=True) for i in range(20)]
        for thread in crowd:
            thread.start()
        sender = f"replicas-{uuid.uuid4().hex[:8]}"
        script = BIN_DAY + ["when does the central library open", "and millbrook library?", "thanks"]
        try:
            answers = [say(direct[i % 2], sender, text) for i, text in enumerate(script)]
        finally:
            stop.set()
            for thread in crowd:
                thread.join(timeout=180)
        check_bin_day(answers)
        for url in direct:  # both replicas read the same conversation: no turn lost, duplicated or reordered
            stored = turns_of(url, sender, tokens.rasa)
            assert [text for text, _ in stored] == script and all(bots for _, bots in stored), stored
        assert not background_errors, background_errors[:3]
        stats = requests.get(f"http://127.0.0.1:{stats_port}/stats;csv", timeout=10).text.splitlines()
        served = {row.split(",")[1]: int(row.split(",")[7]) for row in stats
                  if row.startswith("rasa,") and row.split(",")[1].startswith("rasa")}
        assert set(served) == {"rasa1", "rasa2"} and all(total > 0 for total in served.values()), served
    finally:
        stack.stop()
