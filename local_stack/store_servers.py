"""A PostgreSQL and a Redis server of one's own, on free loopback ports, that the caller may stop and start again.

The restart test runs Rasa's workers on these and restarts them while residents talk, without disturbing the
machine's own servers on 5432 and 6379 (``make run`` and the other scale-out tests use those). PostgreSQL is a
fresh cluster in a temporary directory, run with its own tools (``initdb``, ``pg_ctl``); Redis keeps nothing
on disk, like a lock store that needs no persistence, so a restart forgets every lock.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from local_stack.services import Service, free_port

# Debian installs PostgreSQL's server programs outside the PATH, one folder per major version.
POSTGRES_BIN_DIRS = (Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
POSTGRES_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root: as root, its programs run as this system user (Debian's package makes it).
POSTGRES_SYSTEM_USER = "postgres"
INSTALL_HINT = "install PostgreSQL and Redis (as root: apt-get install postgresql redis-server)"


def program(name: str, folders: tuple[Path, ...] = ()) -> str:
    """The path of a server program, on the PATH or in one of ``folders``; a clear error when it is missing."""
    found = shutil.which(name) or next((str(folder / name) for folder in folders if (folder / name).is_file()), None)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed: {INSTALL_HINT}")
    return found


class PostgresServer:
    """A PostgreSQL cluster of its own in a temporary directory, served on ``127.0.0.1:port`` only."""

    def __init__(self, port: int | None = None) -> None:
        """Create the cluster (``initdb``: superuser ``postgres``, trusted on loopback); ``start`` serves it."""
        self.port = port or free_port()
        self.home = Path(tempfile.mkdtemp(prefix="council-postgres-"))
        self.data, self.log_path = self.home / "data", self.home / "postgres.log"
        self.user = POSTGRES_SYSTEM_USER if os.geteuid() == 0 else None
        if self.user:
            os.chown(self.home, pwd.getpwnam(self.user).pw_uid, -1)
        self._run(program("initdb", POSTGRES_BIN_DIRS), "--pgdata", str(self.data), "--username", POSTGRES_SUPERUSER,
                  "--auth", "trust", "--encoding", "UTF8", "--no-sync")
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server."""
        return f"postgresql://{POSTGRES_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run(program("pg_ctl", POSTGRES_BIN_DIRS), "start", "--pgdata", str(self.data), "--wait",
                  "--timeout", "120", "--log", str(self.log_path))

    def stop(self, mode: str = "fast") -> None:
        """Shut the server down (``fast``: roll back open transactions, close every connection) and wait."""
        self._run(program("pg_ctl", POSTGRES_BIN_DIRS), "stop", "--pgdata", str(self.data), "--mode", mode,
                  "--wait", "--timeout", "120")

    def remove(self) -> None:
        """Stop the server if it runs, and delete the cluster."""
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for error messages."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _run(self, *command: str) -> None:
        done = subprocess.run(command, cwd=self.home, user=self.user, capture_output=True, text=True, timeout=180,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                               f"{self.log_tail()}")


def redis_service(port: int, work: Path) -> Service:
    """A Redis server on ``127.0.0.1:port`` that saves nothing (a restart forgets every key)."""
    import redis

    def answers() -> bool:
        try:
            return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    work.mkdir(parents=True, exist_ok=True)
    return Service(
        name="redis",
        command=[program("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(work), "--daemonize", "no"],
        health_url=f"redis://127.0.0.1:{port}/0",
        public_url=f"redis://127.0.0.1:{port}/0",
        health_check=answers,
        startup_seconds=30,
    )
