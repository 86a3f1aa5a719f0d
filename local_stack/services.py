"""Each service of the local stack as a real process, started, health-checked and stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from evaluation.rasa_process import RASA_COMMAND, rasa_env

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass
class Service:
    """One process of the stack and how to tell it is ready."""

    name: str
    command: list[str]
    health_url: str
    public_url: str
    env: dict[str, str] = field(default_factory=dict)
    startup_seconds: float = 60.0
    # a key the health answer's JSON must carry with a value (Rasa's /status answers 200 even with no model)
    ready_key: str | None = None
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, log_dir: Path) -> None:
        """Start the process in its own process group, logging to run/<name>.log."""
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        env = rasa_env(ROOT, self.env)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def wait_ready(self) -> None:
        """Poll the health URL until it answers 200; fail with the log's tail when the process dies or stalls."""
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                answer = requests.get(self.health_url, timeout=2)
                if answer.status_code == 200 and (self.ready_key is None or answer.json().get(self.ready_key)):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {self.startup_seconds:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        """The end of the service's log, for error messages."""
        if not self.log_path or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL whatever is left after the grace period."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=5)


def backend_service(port: int, api_key: str | None, db_url: str | None = None,
                    now: str | None = None) -> Service:
    """The reference council backend (a stand-in for the council's systems)."""
    env = {"COUNCIL_BACKEND_PORT": str(port)}
    if api_key:
        env["COUNCIL_API_KEY"] = api_key
    if db_url:
        env["COUNCIL_BACKEND_DB_URL"] = db_url
    if now:
        env["COUNCIL_BACKEND_NOW"] = now
    return Service(
        name="backend",
        command=[sys.executable, "-m", "council_backend", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/openapi.json",
        env=env,
    )


def actions_service(port: int, backend_url: str, api_key: str | None, now: str | None = None) -> Service:
    """The rasa-sdk action server, run as Rasa runs it; ``now`` fixes its clock as the backend's (tests)."""
    env = {"COUNCIL_API_URL": backend_url}
    if api_key:
        env["COUNCIL_API_KEY"] = api_key
    if now:
        env["ACTIONS_NOW"] = now
    return Service(
        name="actions",
        command=[str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/webhook",
        env=env,
        startup_seconds=90,
    )


def rasa_service(port: int, model: Path, actions_port: int,
                 endpoints: str = "bot/endpoints.yml", extra_env: dict[str, str] | None = None) -> Service:
    """The Rasa server: REST and socket.io channels, HTTP API enabled."""
    if not Path(model).is_file():
        raise FileNotFoundError(f"No trained model at {model}: run `make train` first.")
    return Service(
        name="rasa",
        command=[
            *RASA_COMMAND, "run", "--model", str(model), "--enable-api", "--cors", "*",
            "--port", str(port), "--endpoints", endpoints, "--credentials", "bot/credentials.yml",
            "--interface", "127.0.0.1",
        ],
        health_url=f"http://127.0.0.1:{port}/status",
        public_url=f"http://127.0.0.1:{port}",
        env={"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook", **(extra_env or {})},
        startup_seconds=180,
        ready_key="model_file",
    )


def chat_service(port: int, rasa_url: str, extra_env: dict[str, str] | None = None) -> Service:
    """The residents' chat page, and the widget (`/widget.js`) for the council's other pages."""
    return Service(
        name="chat",
        command=[sys.executable, "-m", "web_chat", "--host", "127.0.0.1", "--port", str(port),
                 "--rasa-url", rasa_url],
        health_url=f"http://127.0.0.1:{port}/",
        public_url=f"http://127.0.0.1:{port}/",
        env=dict(extra_env or {}),
    )


def demo_site_service(port: int, chat_url: str, rasa_url: str) -> Service:
    """A fictional council's own pages on another origin, embedding the widget from the chat server."""
    return Service(
        name="demo-site",
        command=[sys.executable, "-m", "web_chat.demo_site", "--host", "127.0.0.1", "--port", str(port),
                 "--widget-src", f"{chat_url}/widget.js", "--socket-url", rasa_url],
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/",
    )


def voice_service(port: int, rasa_url: str, no_verify: bool = False) -> Service:
    """The Alexa skill endpoint; Amazon's request verification stays on unless no_verify is explicit."""
    command = [sys.executable, "-m", "voice_skill", "--host", "127.0.0.1", "--port", str(port), "--rasa-url", rasa_url]
    if no_verify:
        command.append("--no-verify")
    return Service(
        name="voice",
        command=command,
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/alexa",
    )


def console_service(port: int, rasa_url: str, tracker_db_url: str, extra_env: dict[str, str] | None = None) -> Service:
    """The staff console: reads transcripts from the tracker store, retrains and publishes to Rasa."""
    return Service(
        name="console",
        command=[sys.executable, "-m", "staff_console", "serve", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/",
        env={"RASA_URL": rasa_url, "TRACKER_DB_URL": tracker_db_url, **(extra_env or {})},
    )


class Stack:
    """Services started in order and stopped in reverse order, all or nothing."""

    def __init__(self, services: list[Service], log_dir: Path) -> None:
        self.services = services
        self.log_dir = log_dir

    def start(self) -> None:
        """Start every service and wait until each is ready; on failure stop what started."""
        try:
            for service in self.services:
                service.start(self.log_dir)
            for service in self.services:
                service.wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop every service, last started first."""
        for service in reversed(self.services):
            service.stop()

    def by_name(self, name: str) -> Service:
        """The service called name."""
        return next(service for service in self.services if service.name == name)
