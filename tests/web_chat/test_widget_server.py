"""What the chat server hands to the council's other sites: widget.js, its configuration, and its limits."""

from __future__ import annotations

import gzip

import pytest

from actions.council import load_profile
from web_chat.demo_site import host_page_policy
from web_chat.protections import allowed_origins, normalise_origin
from web_chat.server import WebChatSettings, create_app

COUNCIL_SITE = load_profile("fernbridge").widget_origins[0]


@pytest.fixture
def widget_client(fake_rasa):
    app = create_app(WebChatSettings(rasa_url=fake_rasa.url, extra_origins=("http://127.0.0.1:8090",)))
    app.testing = True
    return app.test_client()


def test_widget_script_is_one_file_that_sets_no_global_io(widget_client):
    answer = widget_client.get("/widget.js")
    assert answer.status_code == 200 and answer.mimetype == "text/javascript"
    assert answer.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = answer.get_data(as_text=True)
    assert body.startswith("/*! Council Assistant widget. Includes socket.io-client (MIT)")
    assert "var module = { exports: {} }" in body and "var io = module.exports;" in body
    print(f"\nwidget.js: {len(answer.data)} bytes, {len(gzip.compress(answer.data, 9))} gzipped")


def test_config_answers_the_councils_own_site_with_cors_for_it_alone(widget_client):
    answer = widget_client.get("/widget/config.json?council=fernbridge", headers={"Origin": COUNCIL_SITE})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == COUNCIL_SITE
    config = answer.get_json()
    assert config["councilName"] == load_profile("fernbridge").name
    assert config["maxMessageLength"] == 2000
    # what the widget says when Rasa cannot be reached: the council's apology, with its phone number
    assert load_profile("fernbridge").phone in config["unavailableMessage"]
    assert set(config["allowedOrigins"]) == {COUNCIL_SITE, "http://127.0.0.1:8090"}


def test_config_refuses_other_sites_and_other_councils(widget_client):
    answer = widget_client.get("/widget/config.json?council=fernbridge", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and answer.get_json()["error"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert widget_client.get("/widget/config.json?council=fernbridge").status_code == 403  # no Origin at all
    other = widget_client.get("/widget/config.json?council=elsewhere", headers={"Origin": COUNCIL_SITE})
    assert other.status_code == 404 and other.get_json()["error"] == "unknown_council"


def test_chat_messages_are_rate_limited_per_conversation(widget_client, fake_rasa):
    for _ in range(20):
        assert widget_client.post("/api/message", json={"sender": "web-1", "message": "hi"}).status_code == 200
    refused = widget_client.post("/api/message", json={"sender": "web-1", "message": "hi"})
    assert refused.status_code == 429 and refused.get_json()["error"] == "too_many_messages"
    assert len(fake_rasa.received) == 20
    assert widget_client.post("/api/message", json={"sender": "web-2", "message": "hi"}).status_code == 200


def test_origins_are_normalised_and_bad_ones_refused():
    assert normalise_origin("HTTPS://www.Fernbridge.gov.example:443/") == "https://www.fernbridge.gov.example"
    assert normalise_origin("http://127.0.0.1:8090") == "http://127.0.0.1:8090"
    for bad in ("www.fernbridge.gov.example", "https://x.example/page", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            normalise_origin(bad)
    assert allowed_origins([], []) == frozenset()


def test_host_page_policy_names_the_assistant_and_its_socket():
    policy = host_page_policy("https://chat.fernbridge.example/widget.js", "https://rasa.fernbridge.example")
    assert "script-src 'self' https://chat.fernbridge.example;" in policy
    assert "style-src 'self' https://chat.fernbridge.example;" in policy
    assert "https://rasa.fernbridge.example wss://rasa.fernbridge.example" in policy
