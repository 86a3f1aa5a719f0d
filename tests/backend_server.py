"""Start the real council backend as a separate process for integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from local_stack.services import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
# A Wednesday, 10am: Mill Lane (FB1 2AA) is collected today, so a missed-bin report for today is refused;
# Station Court (FB2 4BT) was collected on Monday 30 November, so a report for that day is accepted.
FIXED_NOW = "2026-12-02T10:00:00"
API_KEY = "test-api-key-7c1e"


@dataclass
class BackendProcess:
    """A running backend: its base URL, key, process and log file."""

    url: str
    api_key: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_backend(work_dir: Path, now: str = FIXED_NOW, api_key: str = API_KEY, wait: float = 30.0) -> BackendProcess:
    """Run `python -m council_backend` on a free port with a temporary SQLite file; wait for /health."""
    port = free_port()
    log_path = work_dir / "council_backend.log"
    env = {
        **os.environ,
        "COUNCIL_BACKEND_DB_URL": f"sqlite:///{work_dir / 'council_backend.db'}",
        "COUNCIL_BACKEND_NOW": now,
        "COUNCIL_API_KEY": api_key,
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("COUNCIL_BACKEND_PORT", None)
    log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed when the process ends
    process = subprocess.Popen(
        [sys.executable, "-m", "council_backend", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    log_file.close()
    backend = BackendProcess(f"http://127.0.0.1:{port}", api_key, process, log_path)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"council backend exited with {process.returncode}:\n{backend.log()}")
        try:
            if requests.get(f"{backend.url}/health", timeout=1).status_code == 200:
                return backend
        except requests.RequestException:
            pass
        time.sleep(0.1)
    stop_backend(backend)
    raise RuntimeError(f"council backend did not answer /health within {wait} s:\n{backend.log()}")


def stop_backend(backend: BackendProcess) -> None:
    """Terminate the process (SIGTERM), killing it if it does not stop within 10 s."""
    if backend.process.poll() is None:
        backend.process.terminate()
        try:
            backend.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            backend.process.kill()
            backend.process.wait(timeout=10)
