"""Rasa input channel "voice": one resident turn in, all of Rasa's messages for that turn out, voice variants."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from councils.apology import always_answer
from voice_skill.spoken import codes_in_words

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 200


class VoiceOutput(CollectingOutputChannel):
    """Collects the turn's messages; its name makes Rasa choose the `channel: voice` response variants."""

    @classmethod
    def name(cls) -> str:
        """Rasa matches this name against the `channel:` key of response variants."""
        return "voice"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Collect the message, keeping the links its response was filled with (`link`, `url`) for a card.

        A voice variant says "I've put the link in your Alexa app" without the URL in its words; the URL
        still arrives here among the response's variables, and the skill shows it on a card.
        """
        links = [
            value for key, value in message.items()
            if key not in {"text", "image", "attachment"} and isinstance(value, str)
            and value.startswith(("https://", "http://"))
        ]
        before = len(self.messages)
        await super().send_response(recipient_id, dict(message))
        if links and len(self.messages) > before:
            self.messages[-1]["links"] = links


def _bad_request(code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=400)


class VoiceInput(InputChannel):
    """`POST /webhooks/voice/webhook` with `{"sender", "message", "metadata"}`; answers the list of bot messages."""

    @classmethod
    def name(cls) -> str:
        """The input channel's name, recorded on each user event."""
        return "voice"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes, mounted by Rasa under /webhooks/voice/; a turn that says nothing says the apology."""
        on_new_message = always_answer(on_new_message)
        webhook = Blueprint("voice_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error type for a malformed body
                return _bad_request("invalid_json", "The body must be a JSON object.")
            if not isinstance(payload, dict):
                return _bad_request("invalid_json", "The body must be a JSON object.")
            sender, message, metadata = payload.get("sender"), payload.get("message"), payload.get("metadata")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _bad_request("invalid_sender", f"'sender' must be a non-empty string of at most "
                                                      f"{MAX_SENDER_CHARS} characters.")
            if not isinstance(message, str) or not message.strip():
                return _bad_request("missing_message", "'message' must be a non-empty string.")
            if len(message) > MAX_MESSAGE_CHARS:
                return _bad_request("message_too_long", f"'message' is over {MAX_MESSAGE_CHARS} characters.")
            if metadata is not None and not isinstance(metadata, dict):
                return _bad_request("invalid_metadata", "'metadata' must be a JSON object when given.")
            collector = VoiceOutput()
            if not message.startswith("/"):  # words as heard: spelt-out postcodes and references as written
                message = codes_in_words(message)
            await on_new_message(
                UserMessage(message, collector, sender, input_channel=self.name(), metadata=metadata or {})
            )
            return response.json(collector.messages)

        return webhook
