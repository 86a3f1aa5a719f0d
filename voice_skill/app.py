"""The Alexa skill endpoint: a Flask app (application factory) serving ask-sdk-core, with Amazon's verification."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request

from voice_skill.skill import (
    DEFAULT_DEVICE_API_ORIGINS,
    SkillSettings,
    build_skill,
    domain_text,
    load_carriers,
    load_catalogue,
    load_council,
)
from voice_skill.verification import RequestRejected, RequestVerifier, VerifierSettings

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    # Amazon's request verification. Only an explicit configuration (tests, `--no-verify`) turns it off.
    "VERIFY_REQUESTS": True,
    "VERIFIER_SETTINGS": None,  # a VerifierSettings; None means Amazon's rules and the system roots
    "RASA_URL": "http://127.0.0.1:5005",
    "RASA_TIMEOUT": 6.0,
    "DEVICE_API_ORIGINS": list(DEFAULT_DEVICE_API_ORIGINS),
    "DEVICE_API_TIMEOUT": 2.0,
    "SKILL_ID": None,  # when set, ask-sdk refuses requests for any other skill
    "COUNCIL_PROFILE": "fernbridge",
    "MAX_CONTENT_LENGTH": 128 * 1024,  # Alexa requests are a few kilobytes
}


def _from_environment() -> dict[str, Any]:
    """Documented environment settings (never the verification switch, which is explicit configuration)."""
    settings: dict[str, Any] = {}
    if os.environ.get("RASA_URL"):
        settings["RASA_URL"] = os.environ["RASA_URL"]
    if os.environ.get("ALEXA_SKILL_ID"):
        settings["SKILL_ID"] = os.environ["ALEXA_SKILL_ID"]
    if os.environ.get("COUNCIL_PROFILE"):
        settings["COUNCIL_PROFILE"] = os.environ["COUNCIL_PROFILE"]
    return settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the skill endpoint: `POST /alexa` for Alexa, `GET /health` for the run command.

    Args:
        config: overrides of DEFAULTS, e.g. `{"RASA_URL": ..., "VERIFY_REQUESTS": False}` in tests.

    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(_from_environment())
    app.config.from_mapping(config or {})

    council = load_council(app.config["COUNCIL_PROFILE"])
    settings = SkillSettings(
        rasa_url=app.config["RASA_URL"],
        rasa_timeout=float(app.config["RASA_TIMEOUT"]),
        device_api_origins=frozenset(o.rstrip("/").lower() for o in app.config["DEVICE_API_ORIGINS"]),
        device_api_timeout=float(app.config["DEVICE_API_TIMEOUT"]),
        card_title=str(council.get("name") or "Council Assistant"),
        council_phone=str(council.get("phone") or ""),
        follow_up=domain_text("utter_anything_else") or "Is there anything else I can help with?",
        catalogue=load_catalogue(),
        carriers=load_carriers(),
    )
    skill = build_skill(settings, skill_id=app.config["SKILL_ID"])
    serializer = DefaultSerializer()
    verify = bool(app.config["VERIFY_REQUESTS"])
    verifier = RequestVerifier(app.config["VERIFIER_SETTINGS"] or VerifierSettings()) if verify else None
    if not verify:
        log.warning("Alexa request verification is OFF: only for tests and local benchmarks")
    app.extensions["voice_skill"] = {"skill": skill, "settings": settings, "verifier": verifier}

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
