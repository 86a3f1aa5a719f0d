"""Rasa scaled out as the scale-out tests drive it: its workers started on shared stores, turns, stored turns."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests

from local_stack.scale import ScalePlan
from local_stack.services import Service, Stack, actions_service, backend_service, new_secret, rasa_service
from tests.conftest import API_KEY, FIXED_NOW, free_port

# two processes load the model at once on two cores, while the machine may be busy with other work
LOADING_SECONDS = 600
BIN_DAY = ["hello", "when is my bin day", "FB1 2AA", '/inform{"uprn": "100090000001"}', "thanks"]


@dataclass(frozen=True)
class Tokens:
    """Rasa's API token and the action server's secret, made for one stack."""

    rasa: str
    action: str


def start_backend_and_actions(work: Path) -> tuple[Stack, int, Tokens]:
    """The reference backend (SQLite in ``work``) and the action server, on the tests' clock; their action port."""
    backend_port, actions_port = free_port(), free_port()
    tokens = Tokens(rasa=new_secret(), action=new_secret())
    stack = Stack([backend_service(backend_port, API_KEY, db_url=f"sqlite:///{work / 'backend.db'}", now=FIXED_NOW),
                   actions_service(actions_port, f"http://127.0.0.1:{backend_port}", API_KEY, tokens.action,
                                   now=FIXED_NOW)],
                  log_dir=work / "logs")
    stack.start()
    return stack, actions_port, tokens


def start_rasa_workers(model_path: Path, scale: ScalePlan, actions_port: int, tokens: Tokens,
                       log_dir: Path) -> tuple[Stack, Service, str]:
    """Rasa with ``scale``'s endpoints and workers, started, once every worker answers with its model; its URL."""
    port = free_port()
    rasa = rasa_service(port, model_path, actions_port, tokens.rasa, tokens.action, endpoints=str(scale.endpoints),
                        extra_env=scale.rasa_env)
    rasa.startup_seconds = LOADING_SECONDS
    stack = Stack([rasa], log_dir=log_dir)
    stack.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # the other workers may still be loading their model
        while len(workers := worker_pids(rasa.process.pid)) < scale.workers or not all(
                ready(url, tokens.rasa) for _ in range(3 * scale.workers)):
            assert time.monotonic() < deadline, f"Rasa runs {len(workers)} worker(s):\n{rasa.log_tail()}"
            time.sleep(1)
    except BaseException:
        stack.stop()
        raise
    return stack, rasa, url


def say(rasa_url: str, sender: str, text: str) -> list[dict]:
    """One turn over a fresh connection (no keep-alive), so the kernel or HAProxy may pick any worker."""
    answer = requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                           headers={"Connection": "close"}, timeout=120)
    answer.raise_for_status()
    return answer.json()


def turns_of(rasa_url: str, sender: str, token: str) -> list[tuple[str, int]]:
    """Each stored user message with the number of bot messages that answered it, in stored order."""
    answer = requests.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30)
    answer.raise_for_status()
    turns: list[tuple[str, int]] = []
    for event in answer.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def check_bin_day(answers: list[list[dict]]) -> None:
    """The bin-day conversation's answers: each turn answered, the postcode asked, the addresses offered."""
    assert all(answers), answers
    assert "postcode" in answers[1][0]["text"].lower()
    assert any(m.get("buttons") for m in answers[2])


def worker_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (Sanic's workers of a Rasa server)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def ready(url: str, token: str) -> bool:
    """Whether the worker that takes this connection answers with a model loaded."""
    try:
        status = requests.get(f"{url}/status", params={"token": token}, headers={"Connection": "close"}, timeout=10)
        return status.status_code == 200 and bool(status.json().get("model_file"))
    except (requests.RequestException, ValueError):
        return False
