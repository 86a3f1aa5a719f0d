"""Tests of the chat page's Flask app: static page, config, and the validating proxy to Rasa."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from councils import current_profile
from councils.apology import apology
from web_chat.server import MESSAGES_PER_ADDRESS_PER_MINUTE, WebChatSettings, create_app

SENDER = "web-0123456789abcdef"


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def find(self, tag=None, **attrs):
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            a for t, a in self.elements if (tag is None or t == tag) and all(a.get(k) == v for k, v in wanted.items())
        ]


def parse_page(client) -> _Elements:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    parser = _Elements()
    parser.feed(response.get_data(as_text=True))
    return parser


# ---- the page ----


def test_page_has_a_polite_log_transcript_and_main_landmark(client):
    page = parse_page(client)
    assert page.find("main")
    assert page.find("header") and page.find("footer")
    transcript = page.find(id="transcript")
    assert transcript and transcript[0]["role"] == "log" and transcript[0]["aria-live"] == "polite"


def test_page_has_a_labelled_limited_message_box_and_send_button(client):
    page = parse_page(client)
    assert page.find("label", for_="message")
    box = page.find("input", id="message")[0]
    assert box["maxlength"] == "2000"
    assert page.find("button", id="send", type="submit")
    assert page.find("button", id="restart", type="button")
    assert page.find("html", lang="en-GB")


def test_page_loads_nothing_from_other_sites(client):
    page = parse_page(client)
    for _tag, attrs in page.elements:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert page.find("script", src="static/chat.js") and page.find("link", href="static/chat.css")


def test_static_script_and_stylesheet_are_served(client):
    js = client.get("/static/chat.js")
    css = client.get("/static/chat.css")
    assert js.status_code == 200 and "javascript" in js.mimetype
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert not re.search(r"\.innerHTML|outerHTML|insertAdjacentHTML|document\.write", js.get_data(as_text=True))


def test_responses_carry_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


def test_config_tells_the_page_where_to_send_messages(client, fake_rasa):
    config = client.get("/config.json").get_json()
    assert config == {
        "messageUrl": "/api/message",
        "rasaUrl": fake_rasa.url,
        "maxMessageLength": 2000,
        "councilName": "Fernbridge Borough Council",
    }


def test_settings_come_from_the_environment_with_defaults():
    assert WebChatSettings.from_env({}).rasa_url == "http://127.0.0.1:5005"
    settings = WebChatSettings.from_env({"RASA_URL": "http://127.0.0.1:5999/", "RASA_TIMEOUT": "3"})
    assert settings.rasa_url == "http://127.0.0.1:5999" and settings.rasa_timeout == 3.0
    with pytest.raises(ValueError):
        WebChatSettings(rasa_url="ftp://example")


# ---- the proxy's validation ----


@pytest.mark.parametrize("message", ["", "   \n "])
def test_empty_message_is_refused_with_400(client, fake_rasa, message):
    response = client.post("/api/message", json={"sender": SENDER, "message": message})
    assert response.status_code == 400
    assert response.get_json()["error"] == "empty_message"
    assert response.get_json()["message"]
    assert fake_rasa.received == []


def test_message_over_2000_characters_is_refused_with_413(client, fake_rasa):
    response = client.post("/api/message", json={"sender": SENDER, "message": "a" * 2001})
    assert response.status_code == 413
    assert response.get_json()["error"] == "message_too_long"
    assert fake_rasa.received == []


def test_message_of_exactly_2000_characters_is_sent(client):
    response = client.post("/api/message", json={"sender": SENDER, "message": "é" * 2000})
    assert response.status_code == 200


def test_huge_body_is_refused_with_json_413(client):
    response = client.post(
        "/api/message",
        data=b'{"sender": "x", "message": "' + b"a" * 100_000 + b'"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "message_too_long"


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b'{"sender": "abc", "message": ', "application/json"),
        (b"not json at all", "application/json"),
        (b'["a list"]', "application/json"),
        (b'{"sender": "abc", "message": "hi"}', "text/plain"),
    ],
)
def test_malformed_json_is_refused_with_400(client, body, content_type):
    response = client.post("/api/message", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


@pytest.mark.parametrize("sender", [None, "", "has space", "x" * 65, 42, "../etc"])
def test_missing_or_odd_sender_is_refused_with_400(client, sender):
    response = client.post("/api/message", json={"sender": sender, "message": "hello"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_sender"


def test_non_text_message_is_refused_with_400(client):
    response = client.post("/api/message", json={"sender": SENDER, "message": ["hello"]})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_message"


def test_proxy_only_accepts_post(client):
    assert client.get("/api/message").status_code == 405


# ---- the proxy against a real (fake) Rasa over HTTP ----


def test_message_is_forwarded_to_rasa_and_its_answer_returned(client, fake_rasa):
    response = client.post("/api/message", json={"sender": SENDER, "message": "  hello there  "})
    assert response.status_code == 200
    assert response.get_json() == [{"recipient_id": SENDER, "text": "You said: hello there"}]
    assert fake_rasa.received == [{"sender": SENDER, "message": "hello there"}]


def test_button_payload_is_forwarded_unchanged(client, fake_rasa):
    payload = '/inform{"uprn": "100090000001"}'
    response = client.post("/api/message", json={"sender": SENDER, "message": payload})
    assert response.status_code == 200
    assert fake_rasa.received[-1]["message"] == payload


def test_buttons_in_rasa_answer_reach_the_page(client):
    answer = client.post("/api/message", json={"sender": SENDER, "message": "when is my bin day"}).get_json()
    assert answer[1]["buttons"][0] == {"title": "1 Mill Lane", "payload": '/inform{"uprn": "100090000001"}'}


def test_rasa_error_becomes_502_with_its_status(client):
    response = client.post("/api/message", json={"sender": SENDER, "message": "__status_500"})
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "assistant_error" and body["upstream_status"] == 500
    assert body["message"] == apology() and current_profile().phone in body["message"]


def test_unreadable_rasa_answer_becomes_502(client):
    response = client.post("/api/message", json={"sender": SENDER, "message": "__not_json"})
    assert response.status_code == 502
    assert response.get_json()["error"] == "assistant_error"


def test_slow_rasa_becomes_504(client):
    response = client.post("/api/message", json={"sender": SENDER, "message": "__slow"})
    assert response.status_code == 504
    body = response.get_json()
    assert body["error"] == "assistant_timeout" and current_profile().phone in body["message"]


def test_rasa_not_listening_becomes_502(closed_port):
    app = create_app(WebChatSettings(rasa_url=f"http://127.0.0.1:{closed_port}"))
    response = app.test_client().post("/api/message", json={"sender": SENDER, "message": "hello"})
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "assistant_unreachable"
    assert body["message"] == apology() and current_profile().phone in body["message"]


def test_health():
    assert create_app(WebChatSettings()).test_client().get("/health").get_json() == {"status": "ok"}


def test_one_address_is_limited_across_conversations_with_a_clear_answer(client, fake_rasa):
    """A script that starts a new conversation for every message still meets the limit per address."""
    one_address = {"REMOTE_ADDR": "192.0.2.10"}
    for number in range(MESSAGES_PER_ADDRESS_PER_MINUTE):
        answer = client.post("/api/message", json={"sender": f"web-{number}", "message": "hi"},
                             environ_base=one_address)
        assert answer.status_code == 200, number
    refused = client.post("/api/message", json={"sender": "web-new", "message": "hi"}, environ_base=one_address)
    assert refused.status_code == 429
    assert refused.get_json() == {"error": "too_many_messages", "message": refused.get_json()["message"]}
    assert "wait a minute" in refused.get_json()["message"]
    assert len(fake_rasa.received) == MESSAGES_PER_ADDRESS_PER_MINUTE  # the refused one never reached Rasa
    other = client.post("/api/message", json={"sender": "web-new", "message": "hi"},
                        environ_base={"REMOTE_ADDR": "192.0.2.11"})
    assert other.status_code == 200
