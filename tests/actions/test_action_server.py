"""The action server as the run command starts it: loopback only, and only for a caller with the shared secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from evaluation.rasa_process import rasa_env
from local_stack.services import ROOT, actions_service
from tests.conftest import free_port

SECRET = "action-server-test-secret"


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory):
    service = actions_service(free_port(), "http://127.0.0.1:9", "key", SECRET)
    service.start(tmp_path_factory.mktemp("actions"))
    try:
        service.wait_ready()
        yield service
    finally:
        service.stop()


def test_action_server_listens_on_loopback_only(action_server) -> None:
    port = int(action_server.health_url.split(":")[2].split("/")[0])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0


def test_action_server_refuses_callers_without_the_shared_secret(action_server) -> None:
    base = action_server.public_url.removesuffix("/webhook")
    call = {"next_action": "validate_bin_day_form", "sender_id": "x", "tracker": {"sender_id": "x", "events": []},
            "domain": {}, "version": "3.6.2"}
    assert requests.post(f"{base}/webhook", json=call, timeout=10).status_code == 401
    wrong = requests.post(f"{base}/webhook", json=call, headers={"Authorization": "Bearer guess"}, timeout=10)
    assert wrong.status_code == 401
    assert requests.get(f"{base}/actions", timeout=10).status_code == 401
    listed = requests.get(f"{base}/actions", headers={"Authorization": f"Bearer {SECRET}"}, timeout=10)
    assert listed.status_code == 200 and {"name": "validate_bin_day_form"} in listed.json()
    assert requests.get(f"{base}/health", timeout=10).json() == {"status": "ok"}  # the supervisor's check


def test_action_server_will_not_start_without_a_secret() -> None:
    env = {key: value for key, value in rasa_env(ROOT).items() if key != "ACTION_SERVER_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "actions", "--port", str(free_port())], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "ACTION_SERVER_TOKEN is not set" in done.stderr
