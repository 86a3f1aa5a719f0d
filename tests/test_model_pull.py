"""A model Rasa pulls loads in a thread: the event loop keeps answering while it loads."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rasa.utils.endpoints import EndpointConfig

from nlu_components import model_pull


class _ModelServer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("ETag", "model-2")
        self.send_header("filename", "council-2.tar.gz")
        self.end_headers()
        self.wfile.write(b"archive")

    def log_message(self, *args: object) -> None:
        pass


class SlowAgent:
    """An agent whose model takes a while to load, like a real one (about 17 s here)."""

    fingerprint = "model-1"

    def __init__(self) -> None:
        self.loaded_in: str | None = None
        self.processor = object()  # answering with model-1

    def load_model(self, model_path: str, fingerprint: str | None = None) -> None:
        time.sleep(0.6)
        self.loaded_in, self.fingerprint = threading.current_thread().name, fingerprint


def test_a_pulled_model_loads_while_the_loop_keeps_serving() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ModelServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    agent = SlowAgent()

    async def scenario() -> int:
        ticks = 0

        async def answer_residents() -> None:
            nonlocal ticks
            while agent.fingerprint == "model-1":
                ticks += 1
                await asyncio.sleep(0.02)

        model_server = EndpointConfig(f"http://127.0.0.1:{server.server_port}/model/live")
        await asyncio.gather(model_pull.update_model_from_server(model_server, agent), answer_residents())
        return ticks

    try:
        ticks = asyncio.run(scenario())
    finally:
        server.shutdown()
    assert agent.fingerprint == "model-2"
    assert agent.loaded_in != threading.main_thread().name
    assert ticks >= 10  # Rasa's own pull loads in the loop: nothing else runs for the whole load


def test_the_patch_refuses_another_rasa() -> None:
    with pytest.raises(model_pull.PatchRefused, match="3.7.0"):
        model_pull.install(version="3.7.0")


def test_workers_sharing_a_lock_store_load_one_at_a_time() -> None:
    from rasa.core.lock_store import InMemoryLockStore

    server = ThreadingHTTPServer(("127.0.0.1", 0), _ModelServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lock_store, spans = InMemoryLockStore(), []

    class Worker(SlowAgent):
        def __init__(self) -> None:
            super().__init__()
            self.lock_store = lock_store

        def load_model(self, model_path: str, fingerprint: str | None = None) -> None:
            started = time.monotonic()
            super().load_model(model_path, fingerprint)
            spans.append((started, time.monotonic()))

    async def scenario() -> None:
        model_server = EndpointConfig(f"http://127.0.0.1:{server.server_port}/model/live")
        await asyncio.gather(*(model_pull.update_model_from_server(model_server, Worker()) for _ in range(2)))

    try:
        asyncio.run(scenario())
        (first_start, first_end), (second_start, _) = sorted(spans)
        assert len(spans) == 2 and second_start >= first_end  # the second waited for the first to finish
        spans.clear()
        # workers starting: nothing to answer with yet, so they load at once

        async def starting() -> None:
            model_server = EndpointConfig(f"http://127.0.0.1:{server.server_port}/model/live")
            workers = [Worker(), Worker()]
            for worker in workers:
                worker.processor = None
            await asyncio.gather(*(model_pull.update_model_from_server(model_server, w) for w in workers))

        asyncio.run(starting())
        (_, first_end), (second_start, _) = sorted(spans)
        assert second_start < first_end
    finally:
        server.shutdown()
