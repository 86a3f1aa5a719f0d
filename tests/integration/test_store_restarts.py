"""Rasa scaled out on a PostgreSQL and a Redis server of the test's own, each restarted while ten residents talk.

Rasa runs two Sanic workers on the endpoints `make run` writes for the shared stores (``local_stack.scale``),
with the backend and the action server beside it. The servers are the test's own (``local_stack.store_servers``,
free loopback ports), so restarting them leaves the machine's PostgreSQL and Redis alone. Ten residents talk
through Rasa's REST channel, one bin-day conversation after another; PostgreSQL is shut down (``pg_ctl stop -m
fast``: open transactions rolled back, every connection closed) and started again once half the residents have
sent a turn to it, then Redis (no persistence: it comes back without the locks). The test checks what residents
and the council see:

- every turn is answered within ``ANSWER_SECONDS`` with something to read (never an empty list, never a 5xx);
- every conversation went on in context across a restart (the postcode asked, then the addresses offered);
- afterwards each conversation's tracker, read through Rasa's HTTP API, holds every message its resident sent,
  once each and in order, each answered: no turn lost, duplicated or reordered;
- turns really arrived while each store was down, and both of Rasa's workers are still serving.

It fails loudly, never skips, when PostgreSQL's programs, Redis or the trained model are missing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from conversation_store.outage import DEFAULT_RETRY_SECONDS
from councils.apology import apology
from local_stack.scale import ScaleSettings, plan
from local_stack.services import Service, Stack
from local_stack.store_servers import PostgresServer, redis_service
from tests.conftest import ANSWER_SECONDS, free_port
from tests.scaled_rasa import (
    BIN_DAY,
    Tokens,
    check_bin_day,
    start_backend_and_actions,
    start_rasa_workers,
    turns_of,
    worker_pids,
)

pytestmark = pytest.mark.scale_out
RESIDENTS = 10
THINK_SECONDS = 1.0  # between a resident's messages
# A store stays down until half the residents have sent a turn since it stopped (so the restart really is
# waited on, whatever the residents' rhythm on a busy machine), but never longer than this: the whole restart
# must stay within the stores' retry_seconds, which a turn waits at most.
MOST_DOWN_SECONDS = 1.5
CARRY_ON_SECONDS = 6.0  # residents talk this long before, between and after the restarts


@dataclass
class Turn:
    """One message a resident sent straight to Rasa's REST channel, and what came back."""

    sender: str
    text: str
    sent: float
    seconds: float
    status: int  # 0: no HTTP answer at all
    messages: list[dict] = field(default_factory=list)
    error: str = ""

    @property
    def said(self) -> str:
        """What a resident reads."""
        return "\n".join(m.get("text", "") for m in self.messages if isinstance(m, dict)).strip()

    def overlaps(self, window: tuple[float, float]) -> bool:
        """Whether the turn was waiting for its answer at some moment of ``window``."""
        return self.sent <= window[1] and self.sent + self.seconds >= window[0]


@dataclass(eq=False)  # a thread must stay hashable
class Resident(threading.Thread):
    """A resident asking for bin days, one conversation after another, until told to stop."""

    number: int
    rasa_url: str
    stop_event: threading.Event
    turns: list[Turn] = field(default_factory=list)
    conversations: dict[str, list[Turn]] = field(default_factory=dict)
    last_sent: float = 0.0  # when the resident last sent a message, answered or not

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, name=f"resident-{self.number}", daemon=True)

    def run(self) -> None:
        """Whole conversations only: a stop ends the resident's run between two of them.

        Residents start a fraction of a think apart, so their turns do not all fall in the same instants.
        """
        time.sleep(self.number * THINK_SECONDS / RESIDENTS)
        while not self.stop_event.is_set():
            sender = f"restart-{self.number}-{uuid.uuid4().hex[:8]}"
            self.conversations[sender] = []
            for text in BIN_DAY:
                turn = self.say(sender, text)
                self.turns.append(turn)
                self.conversations[sender].append(turn)
                time.sleep(THINK_SECONDS)

    def say(self, sender: str, text: str) -> Turn:
        """One turn over a fresh connection, as a resident's own request would come."""
        sent = self.last_sent = time.monotonic()
        try:
            answer = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                   headers={"Connection": "close"}, timeout=60)
        except requests.RequestException as error:
            return Turn(sender, text, sent, time.monotonic() - sent, 0, error=str(error))
        turn = Turn(sender, text, sent, time.monotonic() - sent, answer.status_code)
        try:
            turn.messages = answer.json() if answer.status_code == 200 else []
        except ValueError:
            turn.error = answer.text[:200]
        if answer.status_code != 200:
            turn.error = answer.text[:200]
        return turn


def wait_for_turns(residents: list[Resident], since: float) -> None:
    """Until half the residents have sent a turn since ``since``, or ``MOST_DOWN_SECONDS`` have gone by."""
    while time.monotonic() - since < MOST_DOWN_SECONDS:
        if sum(resident.last_sent >= since for resident in residents) >= RESIDENTS // 2:
            return
        time.sleep(0.05)


@dataclass
class Restartable:
    """Rasa's workers on stores of the test's own, and what the test needs to restart the stores."""

    postgres: PostgresServer
    redis: Service
    rasa: Service
    rasa_url: str
    tokens: Tokens
    work: Path


@pytest.fixture(scope="module")
def restartable(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restartable]:
    """PostgreSQL and Redis of the test's own, the backend, the action server and Rasa's two workers on them."""
    work = tmp_path_factory.mktemp("restarts")
    postgres = PostgresServer()  # fails here, loudly, when PostgreSQL's programs are missing
    stacks: list[Stack] = []
    try:
        postgres.start()
        redis_port = free_port()
        redis = redis_service(redis_port, work / "redis")
        stacks.append(Stack([redis], log_dir=work / "logs"))
        stacks[-1].start()
        settings = ScaleSettings(mode="shared", tracker_db_url=postgres.url("council_assistant"),
                                 redis_url=f"redis://127.0.0.1:{redis_port}/1", workers=2)
        scale = plan(settings, work)  # fails when either does not answer
        stack, actions_port, tokens = start_backend_and_actions(work)
        stacks.append(stack)
        stack, rasa, rasa_url = start_rasa_workers(model_path, scale, actions_port, tokens, work / "rasa")
        stacks.append(stack)
        yield Restartable(postgres, redis, rasa, rasa_url, tokens, work)
    finally:
        for stack in reversed(stacks):
            stack.stop()
        postgres.remove()


def test_residents_lose_no_turn_while_postgresql_and_then_redis_restart(restartable: Restartable) -> None:
    stores = restartable
    stop = threading.Event()
    residents = [Resident(number, stores.rasa_url, stop) for number in range(RESIDENTS)]
    for resident in residents:
        resident.start()
    down: dict[str, tuple[float, float]] = {}
    try:
        time.sleep(CARRY_ON_SECONDS)
        started = time.monotonic()
        stores.postgres.stop("fast")
        wait_for_turns(residents, started)
        stores.postgres.start()
        down["PostgreSQL"] = (started, time.monotonic())
        time.sleep(CARRY_ON_SECONDS)
        started = time.monotonic()
        stores.redis.stop()
        wait_for_turns(residents, started)
        stores.redis.start(stores.work / "logs")
        stores.redis.wait_ready()
        down["Redis"] = (started, time.monotonic())
        time.sleep(CARRY_ON_SECONDS)
    finally:
        stop.set()
        for resident in residents:
            resident.join(timeout=120)
    assert not any(resident.is_alive() for resident in residents), "a resident is still waiting for an answer"

    for store, (went, came_back) in down.items():
        assert came_back - went < DEFAULT_RETRY_SECONDS, f"{store} took {came_back - went:.1f} s to restart"
    turns = [turn for resident in residents for turn in resident.turns]
    sorry = apology()

    def shown(turn: Turn) -> str:
        kind = "apology" if turn.said == sorry else "answer"
        return (f"{turn.sender} {turn.text!r}: HTTP {turn.status} after {turn.seconds:.1f}s, {kind} "
                f"{turn.said[:80]!r} {turn.error}")

    # Every turn gets something to read, in time: an answer (or the council's apology), never nothing.
    faults = [turn for turn in turns if turn.status != 200 or not turn.said or turn.seconds > ANSWER_SECONDS]
    assert not faults, f"{len(faults)} of {len(turns)} turns:\n" + "\n".join(map(shown, faults[:20]))
    for store, window in down.items():  # the restarts happened while residents were waiting for answers
        waiting = [turn for turn in turns if turn.overlaps(window)]
        assert len(waiting) >= RESIDENTS // 2, f"only {len(waiting)} turns while {store} restarted"
        print(f"{store} down {window[1] - window[0]:.1f} s: {len(waiting)} turns waited, the longest "
              f"{max(turn.seconds for turn in waiting):.1f} s; {len(turns)} turns in all")

    for resident in residents:
        for sender, conversation in resident.conversations.items():
            # The conversation went on where it was (a turn that lost its context would not offer addresses).
            try:
                check_bin_day([turn.messages for turn in conversation])
            except AssertionError as error:
                raise AssertionError("\n".join(map(shown, conversation))) from error
            # Rasa's HTTP API (with its token) has every message once, in the order sent, each answered.
            stored = turns_of(stores.rasa_url, sender, stores.tokens.rasa)
            sent = [turn.text for turn in conversation]
            assert [text for text, _ in stored] == sent and all(bots for _, bots in stored), (sender, stored, sent)
    assert len(worker_pids(stores.rasa.process.pid)) == 2, stores.rasa.log_tail()
