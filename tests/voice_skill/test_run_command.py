"""The run command's skill endpoint: a real process under waitress, verification on, the skill id required."""

from __future__ import annotations

import subprocess
import sys

import requests

from evaluation.rasa_process import rasa_env
from local_stack.services import ROOT, voice_service
from tests.conftest import RunningStack, free_port
from tests.voice_skill.conftest import load_fixture

SKILL_ID = "amzn1.ask.skill.run-command-test"


def test_voice_endpoint_process_starts_with_verification_on_and_refuses_unsigned_requests(
    running_stack: RunningStack, tmp_path: object
) -> None:
    service = voice_service(free_port(), running_stack.rasa_url, skill_id=SKILL_ID)
    assert "--no-verify" not in service.command and "--any-skill" not in service.command
    service.start(tmp_path)  # type: ignore[arg-type]
    try:
        service.wait_ready()
        health = requests.get(service.health_url, timeout=5)
        assert health.json() == {"status": "ok", "verify_requests": True}
        assert health.headers["Server"] == "waitress"  # a production server, not Werkzeug's (issue 9)
        refused = requests.post(service.public_url, json=load_fixture("launch_request.jovo.json"), timeout=10)
        assert refused.status_code == 400
    finally:
        service.stop()
    assert "Alexa skill endpoint  http://127.0.0.1:" in service.log_tail()
    assert "--any-skill" not in service.log_tail()  # no warning: the skill id is set


def test_verified_endpoint_refuses_to_start_without_a_skill_id() -> None:
    env = {**rasa_env(ROOT), "ALEXA_SKILL_ID": ""}
    done = subprocess.run([sys.executable, "-m", "voice_skill", "--port", str(free_port())], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "ALEXA_SKILL_ID is not set" in done.stderr


def test_any_skill_starts_without_a_skill_id_saying_so_loudly(running_stack: RunningStack, tmp_path: object) -> None:
    service = voice_service(free_port(), running_stack.rasa_url, any_skill=True)
    service.start(tmp_path)  # type: ignore[arg-type]
    try:
        service.wait_ready()
        assert requests.get(service.health_url, timeout=5).json()["verify_requests"] is True
    finally:
        service.stop()
    assert "WARNING: no ALEXA_SKILL_ID (--any-skill)" in service.log_tail()


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
