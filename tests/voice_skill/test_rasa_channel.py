"""Rasa's voice channel: voice variants of responses, the default ones on REST, and input validation."""

from __future__ import annotations

import requests

from tests.conftest import RunningStack


def voice(running_stack: RunningStack, payload: object) -> requests.Response:
    return requests.post(f"{running_stack.rasa_url}/webhooks/voice/webhook", json=payload, timeout=30)


def test_voice_channel_gets_the_voice_variant_and_rest_the_default(running_stack: RunningStack, sender: str) -> None:
    spoken = voice(running_stack, {"sender": f"{sender}-v", "message": "/greet", "metadata": {}})
    assert spoken.status_code == 200
    assert spoken.json()[0]["text"] == ("Hello, I'm the Fernbridge Borough Council assistant. What can I help you "
                                        "with? For example, your bin day, or reporting a pothole.")
    typed = running_stack.say(f"{sender}-r", "/greet")
    assert typed[0]["text"].startswith("Hello, I'm the Fernbridge Borough Council assistant. I can help with bins")


def test_voice_channel_is_recorded_as_the_input_channel(running_stack: RunningStack, sender: str) -> None:
    voice(running_stack, {"sender": sender, "message": "/greet"})
    user_events = [e for e in running_stack.tracker(sender)["events"] if e["event"] == "user"]
    assert user_events[-1]["input_channel"] == "voice"


def test_voice_channel_refuses_missing_or_empty_message(running_stack: RunningStack, sender: str) -> None:
    for payload in ({"sender": sender}, {"sender": sender, "message": "  "}, {"message": "hi"},
                    {"sender": sender, "message": "hi", "metadata": "x"}, ["not", "an", "object"]):
        response = voice(running_stack, payload)
        assert response.status_code == 400, payload
        assert response.json()["error"]
    garbage = requests.post(f"{running_stack.rasa_url}/webhooks/voice/webhook", data=b"{not json",
                            headers={"Content-Type": "application/json"}, timeout=10)
    assert garbage.status_code == 400


def test_voice_channel_passes_the_link_a_voice_variant_leaves_out(running_stack: RunningStack, sender: str) -> None:
    messages = voice(running_stack, {"sender": sender, "message": "/council_tax_pay"}).json()
    assert "https://" not in messages[0]["text"]
    assert messages[0]["links"] == ["https://www.fernbridge.gov.example/council-tax/pay"]
