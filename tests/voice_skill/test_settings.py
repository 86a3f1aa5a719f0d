"""The skill endpoint's settings: with verification on, a skill id is required unless any skill is chosen."""

from __future__ import annotations

import pytest

from voice_skill.settings import VoiceSettings


def test_verified_endpoint_without_a_skill_id_is_refused() -> None:
    with pytest.raises(ValueError, match="ALEXA_SKILL_ID is not set"):
        VoiceSettings.from_env({}).require_skill_id()


def test_a_skill_id_or_an_explicit_choice_lets_it_start() -> None:
    VoiceSettings.from_env({"ALEXA_SKILL_ID": "amzn1.ask.skill.x"}).require_skill_id()
    VoiceSettings.from_env({}).updated({"ANY_SKILL": True}).require_skill_id()
    VoiceSettings.from_env({}).updated({"VERIFY_REQUESTS": False}).require_skill_id()  # tests and benchmarks
