"""Rasa's socket.io channel, as the project configures it, spoken to by python-socketio's own client."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import socketio

from tests.conftest import RunningStack
from web_chat.protections import RateLimiter
from web_chat.rasa_channel import CouncilSocketIOInput, _clean_metadata

TURN_SECONDS = 60


class Resident:
    """One socket.io connection to Rasa that remembers every bot_uttered it received."""

    def __init__(self, rasa_url: str, headers: dict[str, str] | None = None) -> None:
        self.rasa_url = rasa_url
        self.headers = headers or {}
        self.client = socketio.Client(reconnection=False)
        self.received: list[dict] = []
        self.confirmed: list[str] = []
        self.confirmation = threading.Event()
        self.client.on("bot_uttered", self.received.append)
        self.client.on("session_confirm", self._confirmed)

    def _confirmed(self, session_id: str) -> None:
        self.confirmed.append(session_id)
        self.confirmation.set()

    def start(self, session_id: str | None = None, transport: str = "websocket") -> str:
        """Connect and ask for a session; return the session id Rasa confirmed."""
        self.client.connect(self.rasa_url, headers=self.headers, transports=[transport], wait_timeout=10)
        self.client.emit("session_request", {"session_id": session_id})
        assert self.confirmation.wait(10), "no session_confirm"
        return self.confirmed[-1]

    def say(self, session_id: str, text: str, page: str | None = None) -> tuple[dict, list[dict]]:
        """Send one message; return the channel's acknowledgement and the replies that came with the turn."""
        before = len(self.received)
        data = {"message": text, "session_id": session_id}
        if page:
            data["metadata"] = {"page": {"url": page, "title": "Garden waste", "secret": "dropped"}}
        ack = self.client.call("user_uttered", data, timeout=TURN_SECONDS)
        time.sleep(0.2)  # replies travel before the acknowledgement; let the last one be handled
        return ack, self.received[before:]

    def stop(self) -> None:
        self.client.disconnect()


def test_bin_day_conversation_gets_replies_and_buttons_over_socketio(running_stack: RunningStack) -> None:
    def conversation() -> None:
        resident = Resident(running_stack.rasa_url)
        session_id = resident.start()
        try:
            ack, first = resident.say(session_id, "when is my bin day")
            assert ack == {"ok": True}
            assert any("postcode" in m.get("text", "").lower() for m in first), first
            _, second = resident.say(session_id, "FB1 2AA")
            choices = [reply for m in second for reply in m.get("quick_replies", [])]
            assert [c["title"] for c in choices][:2] == ["1 Mill Lane, Fernbridge", "3 Mill Lane, Fernbridge"]
            _, third = resident.say(session_id, choices[0]["payload"])
            assert "1 Mill Lane" in " ".join(m.get("text", "") for m in third)
        finally:
            resident.stop()

    conversation()


def test_session_carries_on_in_a_second_connection_and_page_is_recorded(running_stack: RunningStack) -> None:
    session_id = f"widget-{uuid.uuid4().hex}"
    page = "https://www.fernbridge.gov.example/bins/garden-waste"

    def two_tabs() -> None:
        first_tab, second_tab = Resident(running_stack.rasa_url), Resident(running_stack.rasa_url)
        assert first_tab.start(session_id) == session_id
        first_tab.say(session_id, "when is my bin day", page=page)
        first_tab.stop()
        assert second_tab.start(session_id) == session_id
        try:
            _, replies = second_tab.say(session_id, "FB1 2AA")
            assert any(m.get("quick_replies") for m in replies), replies  # the same form, carried on
        finally:
            second_tab.stop()

    two_tabs()
    events = running_stack.tracker(session_id)["events"]
    said = [e for e in events if e["event"] == "user"]
    assert [e["text"] for e in said] == ["when is my bin day", "FB1 2AA"]
    assert said[0]["input_channel"] == "socketio"
    assert said[0]["metadata"]["page"] == {"url": page, "title": "Garden waste"}


def test_too_long_or_empty_message_is_refused_before_rasa(running_stack: RunningStack) -> None:
    session_id = f"widget-{uuid.uuid4().hex}"

    def refused() -> None:
        resident = Resident(running_stack.rasa_url)
        resident.start(session_id)
        try:
            ack, replies = resident.say(session_id, "x" * 2001)
            assert ack["error"] == "message_too_long" and "2000" in ack["message"]
            assert replies == [{"text": ack["message"], "error": "message_too_long"}]
            ack, _ = resident.say(session_id, "   ")
            assert ack["error"] == "empty_message"
        finally:
            resident.stop()

    refused()
    answer = running_stack.tracker(session_id)
    assert not [e for e in answer["events"] if e["event"] == "user"]


def test_page_from_another_site_cannot_connect(running_stack: RunningStack) -> None:
    def connect_from(origin: str) -> None:
        resident = Resident(running_stack.rasa_url, headers={"Origin": origin})
        try:
            # long-polling, because the websocket client adds an Origin header of its own beside ours
            resident.start(transport="polling")
        finally:
            resident.stop()

    with pytest.raises(socketio.exceptions.ConnectionError):
        connect_from("https://not-the-council.example")
    connect_from(f"http://127.0.0.1:{running_stack.page_port}")  # the origin the tests allowed


def test_channel_limits_each_conversation_and_each_socket() -> None:
    channel = CouncilSocketIOInput.from_credentials({"session_persistence": True, "messages_per_minute": 2})
    assert channel.limiter.limit == 2
    said = {"message": "hello", "session_id": "abc"}
    assert channel._refusal("sid-1", said) is None
    assert channel._refusal("sid-2", said) is None
    assert channel._refusal("sid-3", said)["error"] == "too_many_messages"  # same conversation, new socket
    assert channel._refusal("sid-3", {"message": "hi", "session_id": "other"}) is None
    assert channel._refusal("sid-3", {"message": "hi", "session_id": "bad id!"})["error"] == "invalid_session"
    assert channel._refusal("sid-3", {"message": 5, "session_id": "other"})["error"] == "invalid_message"


def test_rate_limiter_forgets_events_older_than_its_window() -> None:
    limiter = RateLimiter(limit=2, window=60)
    assert limiter.allow("a", now=0) and limiter.allow("a", now=1)
    assert not limiter.allow("a", now=59)
    assert limiter.allow("b", now=59)
    assert limiter.allow("a", now=60.5)


def test_only_the_page_is_kept_from_the_metadata_a_client_sends() -> None:
    page = {"url": "https://www.fernbridge.gov.example/bins", "title": "Bins", "slots": {"uprn": "1"}}
    assert _clean_metadata({"page": page, "slots": {"uprn": "1"}}) == {
        "page": {"url": "https://www.fernbridge.gov.example/bins", "title": "Bins"}
    }
    assert _clean_metadata('{"page": {"url": "javascript:alert(1)"}}') == {}
    assert _clean_metadata("not json") == {}
