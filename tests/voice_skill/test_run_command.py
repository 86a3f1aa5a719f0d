"""The run command's skill endpoint: a real process, verification on, health for the stack."""

from __future__ import annotations

import requests

from local_stack.services import voice_service
from tests.conftest import RunningStack, free_port
from tests.voice_skill.conftest import load_fixture


def test_voice_endpoint_process_starts_with_verification_on_and_refuses_unsigned_requests(
    running_stack: RunningStack, tmp_path: object
) -> None:
    service = voice_service(free_port(), running_stack.rasa_url)
    assert "--no-verify" not in service.command
    service.start(tmp_path)  # type: ignore[arg-type]
    try:
        service.wait_ready()
        assert requests.get(service.health_url, timeout=5).json() == {"status": "ok", "verify_requests": True}
        refused = requests.post(service.public_url, json=load_fixture("launch_request.jovo.json"), timeout=10)
        assert refused.status_code == 400
    finally:
        service.stop()
    assert "Alexa skill endpoint  http://127.0.0.1:" in service.log_tail()


def test_no_verify_flag_turns_verification_off_with_a_loud_warning(
    running_stack: RunningStack, tmp_path: object
) -> None:
    service = voice_service(free_port(), running_stack.rasa_url, no_verify=True)
    service.start(tmp_path)  # type: ignore[arg-type]
    try:
        service.wait_ready()
        assert requests.get(service.health_url, timeout=5).json()["verify_requests"] is False
        answered = requests.post(service.public_url, json=load_fixture("launch_request.jovo.json"), timeout=30)
        assert answered.status_code == 200
        assert "Fernbridge" in answered.json()["response"]["outputSpeech"]["ssml"]
    finally:
        service.stop()
    assert "WARNING: Alexa request verification is OFF (--no-verify)" in service.log_tail()
