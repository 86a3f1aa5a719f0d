"""The stack under supervisord: each service restarted when it dies, the others serving on, every restart logged.

supervisord (the ``supervisor`` package) is the process supervisor: it starts each service of
``local_stack.services`` as a program, restarts one that exits at once, and backs off 1 s, 2 s, 3 s ... between
attempts while a service keeps failing within its first seconds (``startsecs``), up to ``START_RETRIES``. Its log
(``run/supervisord.log``, and the terminal of `make run`) says what died and why ("exited: actions (terminated
by SIGKILL; not expected)"), and each service logs to ``run/<name>.log`` as before.

The configuration is written per run into the run folder, readable by its owner only (the services' secrets
are in it); supervisord's control socket is a Unix socket in the same folder, mode 0700, with a password made
for the run: no TCP control port, and nobody else can stop or start a service.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

from evaluation.rasa_process import rasa_env
from local_stack.services import ROOT, Service, new_secret

START_RETRIES = 30  # with supervisord's linear backoff, about 8 minutes of attempts before it gives up (FATAL)
STOP_SECONDS = 10  # SIGTERM, then SIGKILL to the whole process group after this long
CONTROL_USER = "council"


def _quoted(value: str) -> str:
    """A value for supervisord's ``environment=`` line: double-quoted, ``%`` escaped for its interpolation."""
    if any(ch in value for ch in '"\n\r'):
        raise ValueError(f"an environment value for supervisord may not hold quotes or line breaks: {value!r}")
    return '"' + value.replace("%", "%%") + '"'


def program_section(service: Service, log_dir: Path, priority: int) -> str:
    """One ``[program:...]`` section: how supervisord runs, restarts, stops and logs ``service``."""
    lines = [
        f"[program:{service.name}]",
        f"command={shlex.join(service.command).replace('%', '%%')}",
        f"directory={str(ROOT).replace('%', '%%')}",
        f"priority={priority}",
        "autostart=true",
        "autorestart=true",
        f"startsecs={service.settle_seconds}",
        f"startretries={START_RETRIES}",
        "stopsignal=TERM",
        f"stopwaitsecs={STOP_SECONDS}",
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={str(log_dir / f'{service.name}.log').replace('%', '%%')}",
        "stdout_logfile_maxbytes=20MB",
        "stdout_logfile_backups=3",
    ]
    if service.env:
        lines.append("environment=" + ",".join(f"{key}={_quoted(value)}" for key, value in service.env.items()))
    return "\n".join(lines) + "\n"


def config_text(services: list[Service], run_dir: Path, password: str) -> str:
    """Supervisord's whole configuration for ``services``, with its state and logs in ``run_dir``."""
    escaped = str(run_dir).replace("%", "%%")
    head = f"""[unix_http_server]
file={escaped}/supervisor.sock
chmod=0700
username={CONTROL_USER}
password={password}

[supervisord]
nodaemon=true
logfile={escaped}/supervisord.log
logfile_maxbytes=10MB
pidfile={escaped}/supervisord.pid
childlogdir={escaped}
loglevel=info

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{escaped}/supervisor.sock
username={CONTROL_USER}
password={password}
"""
    programs = [program_section(service, run_dir, priority=10 * (index + 1))
                for index, service in enumerate(services)]
    return "\n".join([head, *programs])


class SupervisedStack:
    """The services of the stack as supervisord's programs: started together, each restarted on its own.

    Offers what ``local_stack.services.Stack`` offers (``start``, ``stop``, ``services``, ``by_name``), plus
    what supervision adds: the current pid and state of a service, and how often it was started.
    """

    def __init__(self, services: list[Service], run_dir: Path, echo: bool = False) -> None:
        self.services = services
        self.run_dir = Path(run_dir)
        self.echo = echo  # supervisord's log on our stdout too (`make run`), not only in run/supervisord.log
        self.process: subprocess.Popen | None = None
        self.password = new_secret()  # supervisord's control socket, for this run

    @property
    def config_path(self) -> Path:
        """Where this run's supervisord configuration is written."""
        return self.run_dir / "supervisord.conf"

    def start(self) -> None:
        """Start supervisord with every service and wait until each answers its health check.

        Raises:
            RuntimeError: supervisord or a service did not come up (the message holds the log's tail).

        """
        self.run_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir, 0o700)
        descriptor = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as config:
            config.write(config_text(self.services, self.run_dir, self.password))
        for service in self.services:
            service.log_path = self.run_dir / f"{service.name}.log"
        output = None if self.echo else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.config_path)],
            cwd=ROOT, env=rasa_env(ROOT), stdin=subprocess.DEVNULL, stdout=output, stderr=output,
            start_new_session=True,
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self) -> None:
        """Wait until every service answers its health check, in order, each within its own startup time."""
        for service in self.services:
            deadline = time.monotonic() + service.startup_seconds
            while not service.healthy():
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"supervisord exited with {self.process.returncode}:\n{self.log_tail()}")
                if self.state(service.name) == "FATAL" or time.monotonic() > deadline:
                    raise RuntimeError(f"{service.name} did not start ({self.state(service.name)}):\n"
                                       f"{service.log_tail()}")
                time.sleep(0.5)

    def rpc(self) -> Any:
        """Supervisord's XML-RPC interface over its Unix socket (``supervisor.getProcessInfo`` and the rest)."""
        transport = SupervisorTransport(CONTROL_USER, self.password, f"unix://{self.run_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def info(self, name: str) -> dict[str, Any]:
        """Supervisord's view of one service: ``statename``, ``pid``, ``spawnerr``, ``exitstatus`` ..."""
        return self.rpc().supervisor.getProcessInfo(name)

    def state(self, name: str) -> str:
        """The service's state (``RUNNING``, ``STARTING``, ``BACKOFF``, ``EXITED``, ``FATAL`` ...), or ``UNKNOWN``."""
        try:
            return str(self.info(name)["statename"])
        except (OSError, xmlrpc.client.Error):
            return "UNKNOWN"

    def pid(self, name: str) -> int:
        """The pid of the service's process now (0 while it is not running)."""
        return int(self.info(name)["pid"])

    def states(self) -> dict[str, str]:
        """Every service's state, by name."""
        return {info["name"]: info["statename"] for info in self.rpc().supervisor.getAllProcessInfo()}

    def log_tail(self, lines: int = 30) -> str:
        """The end of supervisord's own log: what started, what died and why."""
        path = self.run_dir / "supervisord.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def by_name(self, name: str) -> Service:
        """The service called name."""
        return next(service for service in self.services if service.name == name)

    def stop(self) -> None:
        """Stop supervisord, which stops every service (SIGTERM to each group, SIGKILL after the grace)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS * len(self.services) + 10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
