"""Rasa's socket.io and REST channels as residents use them: every turn answered, and socket.io made to deliver.

Both channels wrap Rasa's ``on_new_message`` with ``councils.apology.always_answer``: a turn that says nothing
(the action server is down or restarting) ends with the apology instead of an empty reply.

Rasa 3.6 calls ``AsyncServer.enter_room`` without ``await`` when `session_persistence` is on; in the
python-socketio 5.x that installs beside it that call is a coroutine, so the socket never joins the
conversation's room and every ``bot_uttered`` goes to an empty room. This channel keeps Rasa's protocol
(rasa-webchat and the project's widget talk to it unchanged) and replaces two of its handlers: one that
awaits the join, and one that checks each message before Rasa sees it.

Registered in ``bot/credentials.yml`` as ``web_chat.rasa_channel.CouncilSocketIOInput`` and
``web_chat.rasa_channel.CouncilRestInput`` (still ``/webhooks/rest/webhook``: the chat page's proxy and tests use it).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import rasa
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from councils.apology import always_answer
from web_chat.protections import MAX_MESSAGE_LENGTH, MESSAGES_PER_MINUTE, RateLimiter, allowed_origins

log = logging.getLogger(__name__)

SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_METADATA_CHARS = 2000
# Socket.io packets are small JSON; refuse anything much bigger than the longest allowed message.
MAX_PACKET_BYTES = 64 * 1024
WRITTEN_FOR_RASA = "3.6."


def _check_rasa_version() -> None:
    """Refuse to patch a Rasa whose socket.io channel this was not written against."""
    if not rasa.__version__.startswith(WRITTEN_FOR_RASA):
        raise RuntimeError(
            f"web_chat.rasa_channel replaces handlers of Rasa {WRITTEN_FOR_RASA}x's socket.io channel; "
            f"this is Rasa {rasa.__version__}: check rasa/core/channels/socketio.py and update it."
        )


def _clean_metadata(raw: Any) -> dict[str, Any]:
    """The page the resident is on, and nothing else the client sent (a page cannot write to the tracker)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("page"), dict):
        return {}
    page = {key: raw["page"][key] for key in ("url", "title") if isinstance(raw["page"].get(key), str)}
    if not page.get("url", "").startswith(("https://", "http://")):
        return {}
    page = {key: value[:500] for key, value in page.items()}
    return {"page": page} if len(json.dumps(page)) <= MAX_METADATA_CHARS else {}


class CouncilSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with awaited room joins, allowed host origins, a length and a rate limit.

    Credentials (besides Rasa's own): `max_message_length` (2000 characters), `messages_per_minute` (20 per
    conversation and per socket), `council` (profile name; default `COUNCIL_PROFILE`, then fernbridge).
    """

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> CouncilSocketIOInput:
        """Read Rasa's socket.io credentials plus the council's limits."""
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.max_message_length = int(credentials.get("max_message_length", MAX_MESSAGE_LENGTH))
        channel.limiter = RateLimiter(int(credentials.get("messages_per_minute", MESSAGES_PER_MINUTE)))
        channel.council = credentials.get("council")
        return channel

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_message_length = MAX_MESSAGE_LENGTH
        self.limiter = RateLimiter()
        self.council: str | None = None
        self.origins: frozenset[str] = frozenset()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, its server limited to the council's origins and two handlers replaced."""
        _check_rasa_version()
        from councils import load_profile  # the Rasa process reads the profile only for this channel

        self.origins = allowed_origins(load_profile(self.council).widget_origins)
        socket_blueprint = super().blueprint(always_answer(on_new_message))
        sio = self.sio
        assert sio is not None
        # Rasa runs without --cors (no page may call its HTTP API), so engine.io answers the council's sites
        # with CORS headers itself (the polling transport needs them), and refuses other origins.
        sio.eio.cors_allowed_origins = lambda origin, environ: self._origin_allowed(environ)
        sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]
        rasa_handle_message = sio.handlers[namespace][self.user_message_evt]
        log.info("socket.io accepts pages from %s", ", ".join(sorted(self.origins)) or "no site")

        async def connect(sid: str, environ: dict, auth: dict | None = None) -> bool:
            if not self._origin_allowed(environ):
                log.info("socket.io refused a page of %s", environ.get("HTTP_ORIGIN"))
                return False
            return await rasa_connect(sid, environ, auth)

        async def session_request(sid: str, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not SESSION_ID_PATTERN.match(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def handle_message(sid: str, data: Any) -> dict[str, Any]:
            refusal = self._refusal(sid, data)
            if refusal is not None:
                # rasa-webchat shows bot_uttered text; the project's widget reads the acknowledgement.
                await sio.emit(self.bot_message_evt, {"text": refusal["message"], "error": refusal["error"]},
                               room=sid, namespace=namespace)
                return refusal
            data = {**data, self.metadata_key: _clean_metadata(data.get(self.metadata_key))}
            await rasa_handle_message(sid, data)
            return {"ok": True}

        sio.on("connect", namespace=self.namespace)(connect)
        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return socket_blueprint

    def _origin_allowed(self, environ: dict) -> bool:
        """A page of the council's allowed sites, Rasa's own origin, or no browser at all (no Origin header)."""
        origin = environ.get("HTTP_ORIGIN")
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return not origin or origin in self.origins or origin == own

    def _refusal(self, sid: str, data: Any) -> dict[str, str] | None:
        """Why a message is refused, in the project's error shape, or None when Rasa may have it."""
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return {"error": "invalid_message", "message": "The message must be text."}
        text = data["message"].strip()
        if not text:
            return {"error": "empty_message", "message": "Please type a message before sending."}
        if len(text) > self.max_message_length:
            return {"error": "message_too_long",
                    "message": f"Please keep your message under {self.max_message_length} characters."}
        session_id = data.get("session_id") if self.session_persistence else sid
        if self.session_persistence and (not isinstance(session_id, str) or not SESSION_ID_PATTERN.match(session_id)):
            return {"error": "invalid_session", "message": "The conversation id is missing or not valid."}
        if not (self.limiter.allow(f"sid:{sid}") and self.limiter.allow(f"session:{session_id}")):
            return {"error": "too_many_messages",
                    "message": "You are sending messages very quickly. Please wait a minute and try again."}
        return None


class CouncilRestInput(RestInput):
    """Rasa's REST channel (``/webhooks/rest/webhook``), whose every turn answers something: the apology at worst."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST blueprint around an ``on_new_message`` that never ends a turn in silence."""
        return super().blueprint(always_answer(on_new_message))
