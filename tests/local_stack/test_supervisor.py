"""The run command's supervisor: a killed service comes back, the others are left alone, the reason is logged."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import requests

from local_stack.services import backend_service, demo_site_service
from local_stack.supervisor import SupervisedStack
from tests.conftest import free_port


def test_a_killed_service_is_restarted_alone_and_the_reason_is_logged(tmp_path: Path) -> None:
    backend = backend_service(free_port(), "test-key", db_url=f"sqlite:///{tmp_path / 'backend.db'}")
    demo = demo_site_service(free_port(), "http://127.0.0.1:9/widget.js", "http://127.0.0.1:9")
    stack = SupervisedStack([backend, demo], tmp_path / "run")
    stack.start()
    try:
        # Served by waitress (issue 9: no development server), the secrets' file readable by its owner only.
        for service in (backend, demo):
            assert requests.get(service.health_url, timeout=5).headers["Server"] == "waitress"
        assert stat.S_IMODE(stack.config_path.stat().st_mode) == 0o600
        backend_pid, demo_pid = stack.pid("backend"), stack.pid("demo-site")
        os.kill(demo_pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while not (stack.pid("demo-site") not in (0, demo_pid) and demo.healthy()):
            assert time.monotonic() < deadline, stack.log_tail()
            time.sleep(0.2)
        assert stack.pid("backend") == backend_pid
        assert backend.healthy()
        assert "exited: demo-site (terminated by SIGKILL; not expected)" in stack.log_tail()
    finally:
        stack.stop()
    assert not backend.healthy() and not demo.healthy()  # stopping the supervisor stops every service
