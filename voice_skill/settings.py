"""The skill endpoint's settings: one typed object, built from the environment at start, as every service does."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from voice_skill.skill import DEFAULT_DEVICE_API_ORIGINS
from voice_skill.verification import VerifierSettings


@dataclass(frozen=True)
class VoiceSettings:
    """Where Rasa is, which skill and council this endpoint serves, and whether it checks Amazon's signature.

    Environment (defaults in brackets): ``RASA_URL`` [http://127.0.0.1:5005], ``ALEXA_SKILL_ID`` [none; the
    served endpoint refuses to start without it while verification is on, unless ``any_skill`` says otherwise],
    ``COUNCIL_PROFILE`` [fernbridge]. Verification is never read from the environment: only explicit
    configuration (tests, ``python -m voice_skill --no-verify``) turns it off.
    """

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 6.0
    device_api_origins: tuple[str, ...] = tuple(DEFAULT_DEVICE_API_ORIGINS)
    device_api_timeout: float = 2.0
    skill_id: str | None = None  # when set, ask-sdk refuses requests for any other skill
    any_skill: bool = False  # explicit, loud: serve without a skill id (`python -m voice_skill --any-skill`)
    council_profile: str | None = None  # None: COUNCIL_PROFILE, else fernbridge (councils.profile)
    verify_requests: bool = True
    verifier: VerifierSettings | None = None  # None: Amazon's rules and the system roots

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VoiceSettings:
        """Settings from environment variables, falling back to the documented defaults."""
        env = os.environ if environ is None else environ
        return cls(rasa_url=env.get("RASA_URL") or cls.rasa_url, skill_id=env.get("ALEXA_SKILL_ID") or None,
                   council_profile=env.get("COUNCIL_PROFILE") or None)

    def require_skill_id(self) -> None:
        """Refuse a verified endpoint with no skill id: any Alexa skill, anyone's, could use it otherwise.

        Raises:
            ValueError: verification is on, ``ALEXA_SKILL_ID`` is not set and ``any_skill`` was not chosen.

        """
        if self.verify_requests and not self.skill_id and not self.any_skill:
            raise ValueError("ALEXA_SKILL_ID is not set: with request verification on, the endpoint answers only "
                             "the council's skill (its id is in the Alexa developer console). For local use only, "
                             "--any-skill starts it without one.")

    def updated(self, overrides: Mapping[str, Any]) -> VoiceSettings:
        """A copy with overrides named by field in upper case (``{"RASA_URL": ...}``), as tests pass them."""
        names = {f.name.upper(): f.name for f in fields(self)} | {"SKILL_ID": "skill_id",
                                                                  "VERIFIER_SETTINGS": "verifier"}
        values = {names[key]: value for key, value in overrides.items() if key in names}
        if "device_api_origins" in values:
            values["device_api_origins"] = tuple(values["device_api_origins"])
        return replace(self, **values)
