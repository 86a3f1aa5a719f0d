"""The Alexa skill endpoint: a Flask app (application factory) serving ask-sdk-core, with Amazon's verification."""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request

from councils import load_profile
from councils.apology import apology
from voice_skill.settings import VoiceSettings
from voice_skill.skill import SkillSettings, build_skill, domain_text, load_carriers, load_catalogue
from voice_skill.verification import RequestRejected, RequestVerifier, VerifierSettings

log = logging.getLogger(__name__)

# Flask's own settings; the skill's are a VoiceSettings (voice_skill/settings.py).
FLASK_DEFAULTS: dict[str, Any] = {"MAX_CONTENT_LENGTH": 128 * 1024}  # Alexa requests are a few kilobytes


def create_app(config: VoiceSettings | dict[str, Any] | None = None) -> Flask:
    """Build the skill endpoint: `POST /alexa` for Alexa, `GET /health` for the run command.

    Args:
        config: the settings, or overrides of the environment's by upper-case field name
            (`{"RASA_URL": ..., "VERIFY_REQUESTS": False}` in tests); other keys are Flask settings.

    """
    if isinstance(config, VoiceSettings):
        voice, flask_settings = config, {}
    else:
        voice, flask_settings = VoiceSettings.from_env().updated(config or {}), config or {}
    app = Flask(__name__)
    app.config.from_mapping(FLASK_DEFAULTS)
    app.config.from_mapping({k: v for k, v in flask_settings.items() if k.isupper()})

    council = load_profile(voice.council_profile)
    settings = SkillSettings(
        rasa_url=voice.rasa_url,
        rasa_timeout=float(voice.rasa_timeout),
        device_api_origins=frozenset(o.rstrip("/").lower() for o in voice.device_api_origins),
        device_api_timeout=float(voice.device_api_timeout),
        card_title=council.name,
        apology=apology("voice", council),
        follow_up=domain_text("utter_anything_else") or "Is there anything else I can help with?",
        catalogue=load_catalogue(),
        carriers=load_carriers(),
    )
    skill = build_skill(settings, skill_id=voice.skill_id)
    serializer = DefaultSerializer()
    verify = voice.verify_requests
    verifier = RequestVerifier(voice.verifier or VerifierSettings()) if verify else None
    if not verify:
        log.warning("Alexa request verification is OFF: only for tests and local benchmarks")
    app.extensions["voice_skill"] = {"skill": skill, "settings": settings, "verifier": verifier, "voice": voice}

    def refuse(code: str, message: str) -> tuple[Response, int]:
        return jsonify({"error": code, "message": message}), 400

    @app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok", "verify_requests": verify})

    @app.post("/alexa")
    def alexa() -> Any:
        body = request.get_data(cache=False)
        if verifier is not None:
            try:
                verifier.verify(request.headers, body)
            except RequestRejected as error:
                log.warning("Refused an Alexa request: %s", error)
                return refuse("verification_failed", "The request could not be verified as coming from Alexa.")
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
                raise ValueError("not an Alexa request envelope")
            envelope = serializer.deserialize(json.dumps(payload), RequestEnvelope)
        except (ValueError, TypeError, AttributeError) as error:
            return refuse("invalid_request", f"Not an Alexa request envelope: {error}")
        try:
            response_envelope = skill.invoke(request_envelope=envelope, context=None)
        except AskSdkException as error:  # e.g. a request for another skill when SKILL_ID is set
            log.warning("Refused an Alexa request: %s", error)
            return refuse("wrong_skill", "The request is not for this skill.")
        return jsonify(serializer.serialize(response_envelope))

    return app
