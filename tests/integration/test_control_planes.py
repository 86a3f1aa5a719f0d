"""Rasa's HTTP API needs the run's token and answers no other site; the widget's socket.io still serves its sites.

Issue 9: `GET /conversations/<id>/tracker` gave anyone a resident's conversation and `PUT /model` loaded anyone's
model, and CORS reflected every origin, so any page open in a browser on the host could do the same.
"""

from __future__ import annotations

import requests

from tests.conftest import RunningStack

EVIL = "https://evil.example"


def test_tracker_and_model_api_refuse_callers_without_the_token(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "hello")
    tracker = f"{running_stack.rasa_url}/conversations/{sender}/tracker"
    assert requests.get(tracker, timeout=10).status_code == 401
    assert requests.get(tracker, params={"token": "guess"}, timeout=10).status_code == 401
    assert requests.put(f"{running_stack.rasa_url}/model", json={"model_server": {"url": f"{EVIL}/m.tar.gz"}},
                        timeout=10).status_code == 401
    assert requests.get(f"{running_stack.rasa_url}/status", timeout=10).status_code == 401
    assert requests.get(tracker, params=running_stack.api, timeout=10).json()["sender_id"] == sender


def test_rasa_api_gives_no_other_site_cross_origin_access(running_stack: RunningStack) -> None:
    status = f"{running_stack.rasa_url}/status"
    preflight = requests.options(status, headers={"Origin": EVIL, "Access-Control-Request-Method": "GET"},
                                 timeout=10)
    assert "Access-Control-Allow-Origin" not in preflight.headers
    answer = requests.get(status, params=running_stack.api, headers={"Origin": EVIL}, timeout=10)
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers


def test_socketio_polling_answers_the_councils_sites_and_refuses_others(running_stack: RunningStack) -> None:
    handshake = f"{running_stack.rasa_url}/socket.io/"
    params = {"EIO": "4", "transport": "polling"}
    page = f"http://127.0.0.1:{running_stack.page_port}"
    allowed = requests.get(handshake, params=params, headers={"Origin": page}, timeout=10)
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == page
    refused = requests.get(handshake, params=params, headers={"Origin": EVIL}, timeout=10)
    assert refused.status_code == 400 and "Access-Control-Allow-Origin" not in refused.headers
