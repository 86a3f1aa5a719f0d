"""Fault injection: the run command's stack under its supervisor, ten residents on it, each service killed in turn.

The services are the ones `make run` starts (``run_command_services``), under the same supervisor, on free ports
with their own databases and the tests' clock. Ten residents talk through the chat page, each from an address of
their own (127.0.0.2 to 127.0.0.11) as residents at home do, at a resident's pace; they look up bin days and
report potholes, confirming again when an answer did not come, as a resident would. Each service is then killed
with SIGKILL in turn, and the test checks what a resident and the council would see:

- no turn is answered with nothing; every message gets an answer or an apology within 5 seconds (while the chat
  page itself is down, the page's script says it could not reach the assistant);
- the killed service answers its health check again within 20 seconds (Rasa, which loads its model again,
  within a looser bound: see ``RASA_BACK_SECONDS``), and the others were not restarted;
- supervisord logged why it restarted the service;
- no report reaches the council's systems twice;
- a conversation Rasa was in the middle of when it was killed carries on where it was (the tracker store).

One stack serves every kill, so Rasa loads its model twice in all; the module takes three to five minutes.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from local_stack.services import ROOT, Ports, RunSecrets, embedded_endpoints, new_secret, run_command_services
from local_stack.supervisor import SupervisedStack
from tests.conftest import ANSWER_SECONDS, API_KEY, FIXED_NOW, free_port

BACK_SECONDS = 20.0  # a killed service answers again within this (issue 12)
# Rasa loads its model again: with the project's fast load (nlu_components/tf_loading.py) it answered 12.5 s
# after SIGKILL in this test on this 2-core machine (2026-12-07), within 20 s; the bound leaves room for a busier
# machine, and still fails a Rasa that loads the slow way again (35 s to /status in bench/rasa_start.py).
RASA_BACK_SECONDS = 30.0
THINK_SECONDS = 3.0  # a resident reads and types; keeps each conversation under the chat page's rate limit
RESIDENTS = 10
# Killed in this order; Rasa in the middle, so residents are mid-conversation on both sides of its restart.
KILL_ORDER = ("actions", "backend", "rasa", "chat", "voice", "console")


@dataclass
class Turn:
    """One message a resident sent and what came back."""

    resident: int
    text: str
    sent: float
    seconds: float
    outcome: str  # answer | apology | page_unreachable | empty | timeout | refused
    said: str = ""


@dataclass(eq=False)  # a thread must stay hashable
class Resident(threading.Thread):
    """A resident at their own address, talking to the chat page until told to stop."""

    number: int
    chat_port: int
    stop_event: threading.Event
    turns: list[Turn] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # the contact address of each report they confirmed

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, name=f"resident-{self.number}", daemon=True)

    def say(self, sender: str, text: str) -> Turn:
        """Send one message through the chat page's proxy, as the page's script does, and judge the reply."""
        sent = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.chat_port, timeout=ANSWER_SECONDS,
                                                source_address=(f"127.0.0.{self.number + 2}", 0))
        try:
            connection.request("POST", "/api/message", json.dumps({"sender": sender, "message": text}),
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            body = answer.read()
            status = answer.status
        except TimeoutError:
            status, body = -1, b""
        except (OSError, http.client.HTTPException):  # refused, or reset by a page server that died mid-answer
            status, body = 0, b""
        finally:
            connection.close()
        seconds = time.monotonic() - sent
        turn = Turn(self.number, text, sent, seconds, *judge(status, body, seconds))
        self.turns.append(turn)
        return turn

    def run(self) -> None:
        """Bin days and pothole reports, one after another, until the test is over."""
        round_number = 0
        while not self.stop_event.is_set():
            round_number += 1
            sender = f"fault-{self.number}-{round_number}-{uuid.uuid4().hex[:6]}"
            if round_number % 2:
                script = ["when is my bin day", "FB1 2AA", '/inform{"uprn": "100090000001"}']
            else:
                email = f"resident{self.number}.round{round_number}@example.org"
                script = ["there's a pothole on Mill Lane", "outside 5 Mill Lane",
                          "About a foot wide and deep, cyclists are swerving round it", email, "yes"]
            for text in script:
                turn = self.say(sender, text)
                if text == "yes":
                    self.reports.append(script[3])
                    # An apology instead of the reference: the resident confirms once more, as people do.
                    if turn.outcome != "answer" and not self.stop_event.wait(THINK_SECONDS):
                        self.say(sender, "yes")
                if self.stop_event.wait(THINK_SECONDS):
                    return


def judge(status: int, body: bytes, seconds: float) -> tuple[str, str]:
    """What a resident saw: an answer, an apology (the page shows one for every error), or a fault."""
    if status == -1 or seconds > ANSWER_SECONDS:
        return "timeout", ""
    if status == 0:
        return "page_unreachable", ""  # the page's own script: "We could not reach the council assistant"
    try:
        answer = json.loads(body)
    except ValueError:
        return "refused", body[:200].decode(errors="replace")
    if status == 200:
        said = "\n".join(m.get("text", "") for m in answer if isinstance(m, dict)).strip()
        return ("answer", said) if said else ("empty", "")
    if status in (502, 503, 504) and isinstance(answer, dict) and answer.get("message"):
        return "apology", answer["message"]
    return "refused", f"{status} {answer}"


@dataclass
class Supervised:
    """The supervised stack and what the test needs to reach it."""

    stack: SupervisedStack
    ports: Ports
    secrets: RunSecrets
    work: Path

    def rest(self, sender: str, text: str) -> list[dict]:
        """One message straight to Rasa's REST channel."""
        answer = requests.post(f"http://127.0.0.1:{self.ports.rasa}/webhooks/rest/webhook",
                               json={"sender": sender, "message": text}, timeout=30)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def supervised(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervised]:
    """The run command's services under supervisord, on free ports, with their own databases and fixed clock."""
    work = tmp_path_factory.mktemp("faults")
    endpoints = work / "endpoints.yml"
    endpoints.write_text(embedded_endpoints(work / "tracker.db"))
    ports = Ports(*(free_port() for _ in range(7)))
    run_secrets = RunSecrets(api_key=API_KEY, rasa_token=new_secret(), action_token=new_secret())
    services = run_command_services(
        model_path, ports, run_secrets, skill_id="amzn1.ask.skill.fault-test", endpoints=str(endpoints),
        tracker_db=work / "tracker.db", backend_db_url=f"sqlite:///{work / 'backend.db'}", now=FIXED_NOW,
        console_env={"CONSOLE_DB_URL": f"sqlite:///{work / 'console.db'}", "CONSOLE_MODELS_DIR": str(work / "models")},
    )
    stack = SupervisedStack(services, work / "run")
    stack.start()
    try:
        yield Supervised(stack, ports, run_secrets, work)
    finally:
        stack.stop()


def wait_until_healthy(stack: SupervisedStack, name: str, since: float, limit: float) -> float:
    """Seconds from ``since`` until the service answers its health check; fails after ``limit`` seconds."""
    service = stack.by_name(name)
    while time.monotonic() - since < limit:
        if service.healthy(timeout=1):
            return time.monotonic() - since
        time.sleep(0.2)
    pytest.fail(f"{name} did not answer within {limit:.0f}s of being killed ({stack.state(name)}):\n"
                f"{service.log_tail()}\n{stack.log_tail()}")


def test_the_security_probe_passes_against_the_run_commands_services(supervised: Supervised) -> None:
    # scripts/security_probe.py, as a council runs it against `make run`: listeners, API without credentials,
    # cross-origin, forged Alexa certificate URL, open redirect, password guessing, Open311 (issue 9)
    ports = supervised.ports
    probe = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "security_probe.py"), "--rasa-port", str(ports.rasa),
         "--actions-port", str(ports.actions), "--backend-port", str(ports.backend), "--chat-port", str(ports.chat),
         "--voice-port", str(ports.voice), "--console-port", str(ports.console), "--demo-port", str(ports.demo)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "CONSOLE_DB_URL": f"sqlite:///{supervised.work / 'console.db'}"},
    )
    assert probe.returncode == 0 and "Every check passed." in probe.stdout, probe.stdout + probe.stderr
    assert probe.stdout.count("PASS") >= 20, probe.stdout


def test_every_service_killed_in_turn_comes_back_and_no_resident_is_left_without_a_reply(
    supervised: Supervised,
) -> None:
    stack = supervised.stack
    for name in ("backend", "chat", "voice", "console", "demo-site"):
        # Production servers, not Werkzeug's development server (issue 9).
        url = stack.by_name(name).health_url
        assert requests.get(url, timeout=5).headers.get("Server") == "waitress", name

    # A resident in the middle of a bin-day question when Rasa is killed.
    midway = f"fault-midway-{uuid.uuid4().hex[:8]}"
    assert "postcode" in "".join(m.get("text", "") for m in supervised.rest(midway, "when is my bin day")).lower()

    stop = threading.Event()
    residents = [Resident(number, supervised.ports.chat, stop) for number in range(RESIDENTS)]
    for resident in residents:
        resident.start()
    down: dict[str, tuple[float, float]] = {}
    try:
        time.sleep(2 * THINK_SECONDS)
        for name in KILL_ORDER:
            others = {other: stack.pid(other) for other in stack.states() if other != name}
            pid = stack.pid(name)
            assert pid, f"{name} is not running before it is killed: {stack.state(name)}"
            killed = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            back = wait_until_healthy(stack, name, killed, RASA_BACK_SECONDS if name == "rasa" else BACK_SECONDS)
            down[name] = (killed, killed + back)
            print(f"{name} answered again {back:.1f} s after SIGKILL")  # shown with -s, and when the test fails
            assert stack.pid(name) not in (0, pid)
            assert {other: stack.pid(other) for other in others} == others, f"killing {name} restarted others"
            time.sleep(2 * THINK_SECONDS)  # residents carry on with the restarted service
    finally:
        stop.set()
        for resident in residents:
            resident.join(timeout=30)

    supervisor_log = (supervised.stack.run_dir / "supervisord.log").read_text()
    for name in KILL_ORDER:
        assert f"exited: {name} (terminated by SIGKILL; not expected)" in supervisor_log

    turns = [turn for resident in residents for turn in resident.turns]
    assert len(turns) > RESIDENTS * 10, "the residents hardly talked"
    chat_down = down["chat"]
    faults = [turn for turn in turns if turn.outcome in ("empty", "timeout", "refused")
              or (turn.outcome == "page_unreachable"
                  and not chat_down[0] <= turn.sent + turn.seconds <= chat_down[1] + 1)]
    assert not faults, "\n".join(f"resident {t.resident} {t.text!r}: {t.outcome} after {t.seconds:.1f}s {t.said}"
                                 for t in faults[:20])
    # With every service back, every resident is answered again.
    all_back = max(back for _, back in down.values())
    for resident in residents:
        assert any(t.outcome == "answer" for t in resident.turns if t.sent > all_back), f"resident {resident.number}"

    # The conversation Rasa was in the middle of goes on from the postcode question.
    offered = [b["title"] for m in supervised.rest(midway, "FB1 2AA") for b in m.get("buttons", [])]
    assert "1 Mill Lane, Fernbridge" in offered

    # No report reached the council's systems twice, however often residents confirmed.
    confirmed = {email for resident in residents for email in resident.reports}
    with sqlite3.connect(supervised.work / "backend.db") as db:
        counts = dict(db.execute("SELECT email, COUNT(*) FROM service_requests WHERE email LIKE 'resident%' "
                                 "GROUP BY email").fetchall())
    assert counts, "no pothole report reached the backend"
    assert set(counts) <= confirmed
    assert {email: n for email, n in counts.items() if n > 1} == {}
