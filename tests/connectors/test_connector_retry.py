"""A call that is safe to repeat is tried once more when its connection fails; nothing else is repeated."""

from __future__ import annotations

import threading
import time

import pytest

from connectors.errors import ServiceUnavailable
from connectors.http import HttpClient
from tests.connectors.local_servers import local_server, send


class DropsFirst:
    """A server that hangs up on its first request without answering (a reset, a stale pooled connection)."""

    def __init__(self, sleep_first: float = 0.0) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.sleep_first = sleep_first
        self._lock = threading.Lock()

    def __call__(self, handler) -> None:
        with self._lock:
            self.seen.append((handler.command, handler.headers.get("Idempotency-Key")))
            first = len(self.seen) == 1
        if first:
            time.sleep(self.sleep_first)
            handler.close_connection = True
            return
        length = int(handler.headers.get("Content-Length") or 0)
        handler.rfile.read(length)
        send(handler, 201 if handler.command == "POST" else 200, {"reference": "CC-000001"})


def test_a_get_whose_connection_failed_is_tried_once_more() -> None:
    server = DropsFirst()
    with local_server(server) as url:
        assert HttpClient(url, timeout=2).get("/contacts") == {"reference": "CC-000001"}
    assert [method for method, _ in server.seen] == ["GET", "GET"]


def test_a_keyed_submission_is_tried_once_more_with_the_same_key() -> None:
    server = DropsFirst()
    with local_server(server) as url:
        HttpClient(url, timeout=2).post_json("/cases", {"reason": "call me"}, idempotency_key="case-abc12345")
    assert server.seen == [("POST", "case-abc12345"), ("POST", "case-abc12345")]


def test_a_submission_without_a_key_is_never_repeated() -> None:
    server = DropsFirst()
    with local_server(server) as url, pytest.raises(ServiceUnavailable):
        HttpClient(url, timeout=2).post_json("/cases", {"reason": "call me"})
    assert server.seen == [("POST", None)]


def test_no_retry_once_half_the_deadline_is_spent() -> None:
    server = DropsFirst(sleep_first=0.6)
    with local_server(server) as url, pytest.raises(ServiceUnavailable):
        HttpClient(url, timeout=1).get("/contacts")
    assert len(server.seen) == 1


def test_a_call_that_timed_out_is_not_repeated() -> None:
    seen: list[str] = []

    def slow(handler) -> None:
        seen.append(handler.command)
        time.sleep(1.5)

    with local_server(slow) as url, pytest.raises(ServiceUnavailable, match="did not answer"):
        HttpClient(url, timeout=0.5).get("/contacts")
    assert seen == ["GET"]
