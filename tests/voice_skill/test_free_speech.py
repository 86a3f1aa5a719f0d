"""The skill sends what the resident said to Rasa as words, carrier phrase included (unit: a recording Rasa)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.voice_skill.conftest import VoiceConversation, speech, wrap_bare_request
from voice_skill.app import create_app
from voice_skill.skill import spoken_code


class RecordingRasa:
    """A real HTTP server on 127.0.0.1 standing in for Rasa's voice webhook: records messages, answers fixed text."""

    def __init__(self, reply: str = "Thanks.") -> None:
        self.messages: list[str] = []
        self.reply = reply
        rasa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                rasa.messages.append(body["message"])
                data = json.dumps([{"recipient_id": body["sender"], "text": rasa.reply}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rasa() -> Iterator[RecordingRasa]:
    server = RecordingRasa()
    yield server
    server.close()


@pytest.fixture
def talk(rasa: RecordingRasa) -> VoiceConversation:
    client = create_app({"TESTING": True, "VERIFY_REQUESTS": False, "RASA_URL": rasa.url}).test_client()
    return VoiceConversation(client, wrap_bare_request({}))


@pytest.mark.parametrize("slot, value, sent", [
    ("text", "my neighbour is hitting his kids", "my neighbour is hitting his kids"),
    ("text", "i have nowhere to sleep tonight", "i have nowhere to sleep tonight"),
    ("theres", "a pothole on Mill Lane", "there's a pothole on Mill Lane"),
    ("i_want_to", "end it all", "i want to end it all"),
    ("my_neighbour", "is hitting his kids", "my neighbour is hitting his kids"),
])
def test_catch_all_sends_the_whole_phrase_to_rasa(talk: VoiceConversation, rasa: RecordingRasa, slot: str,
                                                  value: str, sent: str) -> None:
    talk.intent("CatchAllIntent", {slot: value})
    assert rasa.messages == [sent]


def test_spelt_out_answers_are_written_as_rasa_reads_them(talk: VoiceConversation, rasa: RecordingRasa) -> None:
    talk.say("f b one two a a")
    talk.say("one oh two three one")
    talk.intent("CatchAllIntent", {"my_postcode_is": "f b three seven q e"})
    assert rasa.messages == ["FB1 2AA", "10231", "FB3 7QE"]


def test_spoken_codes() -> None:
    assert spoken_code("one zero two three one") == "10231"
    assert spoken_code("m b zero zero zero one two three") == "MB000123"
    assert spoken_code("f b one two three four five six seven eight") == "FB12345678"
    assert spoken_code("two") is None and spoken_code("number five") is None
    assert spoken_code("a pothole on mill lane") is None


def test_an_empty_catch_all_is_a_fallback_not_an_answer(talk: VoiceConversation, rasa: RecordingRasa) -> None:
    talk.intent("CatchAllIntent", {})
    assert rasa.messages == ["/nlu_fallback"]


def test_phone_numbers_in_an_answer_are_spoken_as_telephone_numbers(rasa: RecordingRasa,
                                                                    talk: VoiceConversation) -> None:
    rasa.reply = "If you're in danger, call 999. Samaritans: 116 123. Out of hours: 01632 960999 (any time)."
    said = speech(talk.say("help me"))
    assert said.startswith('<speak>If you&apos;re in danger, call <say-as interpret-as="telephone">999</say-as>.')
    assert '<say-as interpret-as="telephone">116 123</say-as>' in said
    assert '<say-as interpret-as="telephone">01632 960999</say-as>, any time.' in said
    assert "(" not in said and ")" not in said
