"""Each service of the local stack as a real process, started, health-checked and stopped together.

Secrets are made per run by the caller (``new_secret``) and reach each process through its environment, never
its command line (``ps`` shows command lines to every user of the machine).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from evaluation.rasa_process import RASA_COMMAND, rasa_env
from local_stack.scale import EMBEDDED_ENDPOINTS, ScalePlan

ROOT = Path(__file__).resolve().parent.parent
# The action server's shared secret, and Rasa's HTTP API token (nlu_components/rasa_cli.py reads it).
ACTION_TOKEN_ENV = "ACTION_SERVER_TOKEN"
RASA_TOKEN_ENV = "RASA_AUTH_TOKEN"


def new_secret() -> str:
    """A secret for one run (a key, a token), unguessable and safe in a URL or a header."""
    return secrets.token_urlsafe(24)


def embedded_endpoints(tracker_db: Path, action_url: str | None = None) -> str:
    """bot/endpoints.yml with its own SQLite tracker database (tests, benchmarks), and an action URL if given.

    Everything else (the action server's secret header, the tracker window, the lock store) is bot/endpoints.yml's,
    so tests and benchmarks run what `make run` runs.
    """
    config = yaml.safe_load(EMBEDDED_ENDPOINTS.read_text(encoding="utf-8"))
    config["tracker_store"]["db"] = str(tracker_db)
    if action_url:
        config["action_endpoint"]["url"] = action_url
    return yaml.safe_dump(config, sort_keys=False)


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
    # query parameters of the health check (Rasa's /status wants the API token)
    health_params: dict[str, str] = field(default_factory=dict)
    # the health check of a server that speaks no HTTP (Redis), in place of the health URL's
    health_check: Callable[[], bool] | None = None
    # seconds the process must stay up before a supervisor counts it as started (Rasa loads a model first)
    settle_seconds: int = 3
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

    def healthy(self, timeout: float = 2) -> bool:
        """Whether the health URL answers 200 (with the ready key's value, when one is named) right now."""
        if self.health_check is not None:
            return self.health_check()
        try:
            answer = requests.get(self.health_url, params=self.health_params, timeout=timeout)
            return answer.status_code == 200 and (self.ready_key is None or bool(answer.json().get(self.ready_key)))
        except (requests.RequestException, ValueError):
            return False

    def wait_ready(self) -> None:
        """Poll the health URL until it answers 200; fail with the log's tail when the process dies or stalls."""
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.healthy():
                return
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


def actions_service(port: int, backend_url: str, api_key: str | None, token: str,
                    now: str | None = None) -> Service:
    """The rasa-sdk action server on loopback, answering only Rasa (``token``); ``now`` fixes its clock (tests)."""
    env = {"COUNCIL_API_URL": backend_url, ACTION_TOKEN_ENV: token}
    if api_key:
        env["COUNCIL_API_KEY"] = api_key
    if now:
        env["ACTIONS_NOW"] = now
    return Service(
        name="actions",
        command=[sys.executable, "-m", "actions", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/webhook",
        env=env,
        startup_seconds=90,
    )


def rasa_service(port: int, model: Path, actions_port: int, auth_token: str, action_token: str,
                 endpoints: str = "bot/endpoints.yml", extra_env: dict[str, str] | None = None) -> Service:
    """The Rasa server: REST and socket.io channels, and its HTTP API behind ``auth_token`` (``?token=``).

    No ``--cors``: no page of another origin may call the API (the chat page goes through its own proxy); the
    socket.io channel answers the council's sites itself (web_chat/rasa_channel.py).
    """
    if not Path(model).is_file():
        raise FileNotFoundError(f"No trained model at {model}: run `make train` first.")
    if not auth_token or not action_token:
        raise ValueError("Rasa needs its API token and the action server's secret")
    return Service(
        name="rasa",
        command=[
            *RASA_COMMAND, "run", "--model", str(model), "--enable-api",
            "--port", str(port), "--endpoints", endpoints, "--credentials", "bot/credentials.yml",
            "--interface", "127.0.0.1",
        ],
        health_url=f"http://127.0.0.1:{port}/status",
        public_url=f"http://127.0.0.1:{port}",
        env={"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook", RASA_TOKEN_ENV: auth_token,
             ACTION_TOKEN_ENV: action_token, **(extra_env or {})},
        startup_seconds=180,
        ready_key="model_file",
        health_params={"token": auth_token},
        settle_seconds=10,
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


def voice_service(port: int, rasa_url: str, no_verify: bool = False, skill_id: str | None = None,
                  any_skill: bool = False) -> Service:
    """The Alexa skill endpoint; Amazon's request verification stays on unless no_verify is explicit.

    With verification on it answers only ``skill_id`` (``ALEXA_SKILL_ID``); ``any_skill`` is the explicit,
    loudly logged choice to start without one (local use).
    """
    command = [sys.executable, "-m", "voice_skill", "--host", "127.0.0.1", "--port", str(port), "--rasa-url", rasa_url]
    if no_verify:
        command.append("--no-verify")
    if any_skill:
        command.append("--any-skill")
    return Service(
        name="voice",
        command=command,
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/alexa",
        env={"ALEXA_SKILL_ID": skill_id or ""},
    )


def console_service(port: int, rasa_url: str, rasa_token: str, tracker_db_url: str,
                    extra_env: dict[str, str] | None = None) -> Service:
    """The staff console: reads transcripts from the tracker store, retrains and publishes to Rasa (its token)."""
    return Service(
        name="console",
        command=[sys.executable, "-m", "staff_console", "serve", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        public_url=f"http://127.0.0.1:{port}/",
        env={"RASA_URL": rasa_url, RASA_TOKEN_ENV: rasa_token, "TRACKER_DB_URL": tracker_db_url, **(extra_env or {})},
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


@dataclass(frozen=True)
class Ports:
    """The loopback port of each service of the run command."""

    rasa: int
    actions: int
    backend: int
    chat: int
    voice: int
    console: int
    demo: int


@dataclass(frozen=True)
class RunSecrets:
    """The secrets of one run: the backend's key, Rasa's API token and the action server's shared secret."""

    api_key: str
    rasa_token: str
    action_token: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> RunSecrets:
        """Each secret from the environment when configured, else made for this run."""
        env = os.environ if environ is None else environ
        return cls(api_key=env.get("COUNCIL_API_KEY") or new_secret(),
                   rasa_token=env.get(RASA_TOKEN_ENV) or new_secret(),
                   action_token=env.get(ACTION_TOKEN_ENV) or new_secret())


def run_command_services(model: Path, ports: Ports, run_secrets: RunSecrets, skill_id: str | None = None,
                         endpoints: str = "bot/endpoints.yml", tracker_db: Path = ROOT / "run" / "tracker.db",
                         backend_db_url: str | None = None, now: str | None = None,
                         console_env: dict[str, str] | None = None, scale: ScalePlan | None = None) -> list[Service]:
    """Every service `make run` starts, in start order, wired to one another.

    ``scale`` (local_stack/scale.py) puts Rasa's workers on the shared stores: its endpoints file, worker counts
    and tracker database win over ``endpoints`` and ``tracker_db``. The fault-injection tests start this same
    list with their own ports, databases and clock.
    """
    tracker_db_url = scale.tracker_db_url if scale else f"sqlite:///{tracker_db}"
    endpoints = str(scale.endpoints) if scale else endpoints
    backend_url = f"http://127.0.0.1:{ports.backend}"
    rasa_url, chat_url = f"http://127.0.0.1:{ports.rasa}", f"http://127.0.0.1:{ports.chat}"
    # The demonstration site may embed the widget for this run, beside the sites of the council's profile.
    demo_origin = {"WIDGET_EXTRA_ORIGINS": f"http://127.0.0.1:{ports.demo}"}
    console = console_service(ports.console, rasa_url, run_secrets.rasa_token, tracker_db_url, extra_env=console_env)
    actions = actions_service(ports.actions, backend_url, run_secrets.api_key, run_secrets.action_token, now=now)
    actions.env.update(scale.actions_env if scale else {})
    return [
        backend_service(ports.backend, run_secrets.api_key, db_url=backend_db_url, now=now),
        actions,
        rasa_service(ports.rasa, model, ports.actions, run_secrets.rasa_token, run_secrets.action_token,
                     endpoints=endpoints, extra_env={**demo_origin, **(scale.rasa_env if scale else {})}),
        chat_service(ports.chat, rasa_url, extra_env=demo_origin),
        demo_site_service(ports.demo, chat_url, rasa_url),
        # Verification stays on: a real Alexa reaches this endpoint through a tunnel.
        voice_service(ports.voice, rasa_url, skill_id=skill_id, any_skill=skill_id is None),
        console,
    ]


def free_port() -> int:
    """A loopback TCP port nobody is listening on right now (tests and benchmarks start services on such)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A Wednesday morning: FB1 2AA's rounds make this a collection day still in progress, while other bins were
# collected on the days before (council_backend/seed/waste.yml). The clock tests and benchmarks fix.
FIXED_NOW = "2026-12-02T10:00:00"


@dataclass
class EmbeddedStack:
    """A started backend, action server and Rasa on free ports, and what callers need to reach them."""

    stack: Stack
    rasa_url: str
    actions_url: str
    backend_url: str
    tracker_db_url: str
    rasa_token: str


def embedded_stack(model: Path, work: Path, api_key: str, now: str | None = FIXED_NOW,
                   council_profile: str | None = None, rasa_env: dict[str, str] | None = None) -> EmbeddedStack:
    """Backend (its clock at ``now``, SQLite in ``work``), action server and Rasa, each a real process, started.

    The integration tests and the resident benchmark start this same stack. ``council_profile`` names the
    council both the action server and Rasa speak for (``COUNCIL_PROFILE``: answers, and the apology when an
    action cannot run); the caller stops it with ``.stack.stop()``.
    """
    endpoints = work / "endpoints.yml"
    endpoints.write_text(embedded_endpoints(work / "tracker.db"))
    backend_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    backend_url = f"http://127.0.0.1:{backend_port}"
    rasa_token, action_token = new_secret(), new_secret()
    actions = actions_service(actions_port, backend_url, api_key, action_token, now=now)
    rasa_env = dict(rasa_env or {})
    if council_profile:
        actions.env["COUNCIL_PROFILE"] = rasa_env["COUNCIL_PROFILE"] = council_profile
    stack = Stack(
        [
            backend_service(backend_port, api_key, db_url=f"sqlite:///{work / 'backend.db'}", now=now),
            actions,
            rasa_service(rasa_port, model, actions_port, rasa_token, action_token, endpoints=str(endpoints),
                         extra_env=rasa_env),
        ],
        log_dir=work / "logs",
    )
    stack.start()
    return EmbeddedStack(stack, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", backend_url,
                         f"sqlite:///{work / 'tracker.db'}", rasa_token)
