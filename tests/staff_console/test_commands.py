"""The first admin comes from a command (never a default password); `serve` prints the console's URL."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import requests

from local_stack.services import ROOT
from staff_console import ConsoleConfig, create_app
from tests.conftest import free_port
from tests.staff_console.conftest import csrf


def run(args: list[str], db_url: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CONSOLE_DB_URL": db_url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "staff_console", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=60)


def test_create_admin_then_sign_in(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'console.db'}"
    assert run(["create-admin", "--username", "alice", "--password-stdin"], db_url, "short\n").returncode != 0
    done = run(["create-admin", "--username", "alice", "--password-stdin"], db_url, "a long enough secret\n")
    assert done.returncode == 0, done.stderr
    app = create_app(ConsoleConfig(db_url=db_url, tracker_db_url=f"sqlite:///{tmp_path / 'none.db'}",
                                   secret_key="x"))
    client = app.test_client()
    token = csrf(client)
    answer = client.post("/login", data={"username": "alice", "password": "a long enough secret", "csrf_token": token})
    assert answer.status_code == 302
    assert "publisher" in client.get("/inbox").get_data(as_text=True)
    assert "a long enough secret" not in (tmp_path / "console.db").read_bytes().decode(errors="replace")


def test_serve_prints_its_url_and_answers(tmp_path):
    port = free_port()
    env = {**os.environ, "CONSOLE_DB_URL": f"sqlite:///{tmp_path / 'console.db'}", "PYTHONPATH": str(ROOT),
           "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}"}
    process = subprocess.Popen([sys.executable, "-m", "staff_console", "serve", "--port", str(port)], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout.readline().strip() == f"Staff console  http://127.0.0.1:{port}/"
        for _ in range(50):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/inbox", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.status_code == 200 and "Sign in" in answer.text
    finally:
        process.terminate()
        process.wait(timeout=10)
