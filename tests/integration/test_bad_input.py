"""Bad input over the REST channel: each gets a clear answer or a 4xx, and the server keeps answering."""

from __future__ import annotations

import requests

from tests.conftest import RunningStack, texts


def _post_raw(stack: RunningStack, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type}, timeout=30
    )


def _still_answers(stack: RunningStack, sender: str) -> None:
    assert "Hello" in texts(stack.say(sender, "hello"))


def test_empty_message_gets_an_answer_and_conversation_goes_on(running_stack: RunningStack, sender: str) -> None:
    reply = running_stack.say(sender, "")
    assert reply == [] or texts(reply)  # Rasa may stay silent on nothing; it must not fail
    _still_answers(running_stack, sender)


def test_ten_thousand_characters_get_a_clear_answer(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "bins " * 2000))
    assert reply.strip()
    _still_answers(running_stack, sender)


def test_emoji_only_is_treated_as_out_of_scope(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "🙂🙂🗑️"))
    assert "can't help with that" in reply or "didn't understand" in reply
    _still_answers(running_stack, sender)


def test_another_language_is_treated_as_out_of_scope(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "¿Dónde puedo comprar entradas para el partido de fútbol?"))
    assert "can't help with that" in reply or "didn't understand" in reply
    _still_answers(running_stack, sender)


def test_malformed_json_is_a_4xx_and_server_stays_up(running_stack: RunningStack, sender: str) -> None:
    response = _post_raw(running_stack, b'{"sender": "x", "message": ')
    assert 400 <= response.status_code < 500
    _still_answers(running_stack, sender)


def test_missing_message_field_is_a_4xx_or_answer(running_stack: RunningStack, sender: str) -> None:
    response = _post_raw(running_stack, b'{"sender": "someone"}')
    assert response.status_code < 500
    _still_answers(running_stack, sender)


def test_unknown_sender_starts_a_fresh_conversation(running_stack: RunningStack) -> None:
    reply = texts(running_stack.say("never-seen-before-" + "x" * 40, "what can you do"))
    assert "bin" in reply.lower()
