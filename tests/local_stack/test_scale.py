"""How `make run` chooses Rasa's workers and stores: several on PostgreSQL + Redis, else one on the embedded ones."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from local_stack.scale import EMBEDDED_ENDPOINTS, SCALE_OUT_ENDPOINTS, ScaleSettings, plan, shared_endpoints


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_postgresql_rasa_runs_as_one_process_and_says_why(tmp_path: Path) -> None:
    settings = ScaleSettings(tracker_db_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/council",
                             redis_url=f"redis://127.0.0.1:{closed_port()}/1")
    chosen = plan(settings, tmp_path)
    assert not chosen.shared and chosen.workers == 1 and chosen.rasa_env == {}
    assert chosen.endpoints == EMBEDDED_ENDPOINTS
    assert "one process" in chosen.summary and "PostgreSQL" in chosen.summary and "Redis" in chosen.summary
    assert chosen.tracker_db_url.startswith("sqlite:///")


def test_shared_refuses_to_fall_back(tmp_path: Path) -> None:
    settings = ScaleSettings(mode="shared", tracker_db_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/c",
                             redis_url=f"redis://127.0.0.1:{closed_port()}/1")
    with pytest.raises(RuntimeError, match="COUNCIL_STORES=shared, but PostgreSQL"):
        plan(settings, tmp_path)


def test_embedded_workers_still_pull_published_models(tmp_path: Path) -> None:
    chosen = plan(ScaleSettings(mode="embedded"), tmp_path, model_url="http://127.0.0.1:5200/model/live",
                  model_token="t0ken")
    endpoints = yaml.safe_load(chosen.endpoints.read_text())
    assert chosen.endpoints == tmp_path / "endpoints.yml" and chosen.workers == 1
    assert endpoints["models"] == {"url": "http://127.0.0.1:5200/model/live", "token": "t0ken",
                                   "wait_time_between_pulls": 10}
    assert endpoints["tracker_store"] == yaml.safe_load(EMBEDDED_ENDPOINTS.read_text())["tracker_store"]
    assert chosen.endpoints.stat().st_mode & 0o077 == 0  # the token is for this user only


def test_shared_endpoints_keep_the_window_and_name_postgresql_and_redis() -> None:
    endpoints = shared_endpoints(ScaleSettings(tracker_db_url="postgresql://rasa:pw@db.example:5433/tracker",
                                               redis_url="redis://:secret@cache.example:6380/2"))
    embedded = yaml.safe_load(EMBEDDED_ENDPOINTS.read_text())["tracker_store"]
    tracker = endpoints["tracker_store"]
    assert (tracker["type"], tracker["keep_turns"], tracker["max_turns"]) == (
        embedded["type"], embedded["keep_turns"], embedded["max_turns"])
    assert (tracker["dialect"], tracker["url"], tracker["port"], tracker["db"], tracker["username"],
            tracker["password"]) == ("postgresql", "db.example", 5433, "tracker", "rasa", "pw")
    lock = endpoints["lock_store"]
    assert (lock["type"], lock["url"], lock["port"], lock["db"], lock["password"]) == (
        "conversation_store.locks.RetryingRedisLockStore", "cache.example", 6380, 2, "secret")
    assert lock["type"] == yaml.safe_load(SCALE_OUT_ENDPOINTS.read_text())["lock_store"]["type"]
    assert lock["key_prefix"].isalnum()  # Rasa ignores a prefix with anything else


@pytest.mark.parametrize(("variable", "value"), [("COUNCIL_STORES", "cluster"), ("RASA_WORKERS", "two"),
                                                 ("RASA_WORKERS", "-1"), ("RASA_MODEL_PULL_SECONDS", "0")])
def test_a_wrong_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        ScaleSettings.from_env({variable: value})
