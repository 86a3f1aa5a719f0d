"""Flask application serving the residents' chat page and proxying its messages to Rasa."""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, jsonify, request

from councils import current_profile, load_profile
from councils.apology import apology
from councils.profile import DEFAULT_PROFILE
from web_chat.protections import MAX_MESSAGE_LENGTH, RateLimiter, allowed_origins, extra_origins

STATIC_DIR = Path(__file__).resolve().parent / "static"
WIDGET_PARTS = (
    STATIC_DIR / "vendor" / "socket.io.min.js",
    STATIC_DIR / "rich_text.js",  # shared with the chat page
    STATIC_DIR / "widget" / "widget.js",
)
# Messages from one address a minute: generous, since many residents can share one (a library, an office).
MESSAGES_PER_ADDRESS_PER_MINUTE = 120
REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
SENDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# The page forbids everything it does not load from this server; bot images may come from council sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

log = logging.getLogger("web_chat")


@dataclass(frozen=True)
class WebChatSettings:
    """Settings of the chat page, read from the environment by `from_env`.

    Attributes:
        rasa_url: base URL of the Rasa server (`RASA_URL`, default `http://127.0.0.1:5005`).
        rasa_timeout: seconds to wait for Rasa's answer (`RASA_TIMEOUT`, default 10).
        max_message_length: longest message a resident may send, in characters (2000).
        council_name: name shown on the page: the council profile's (`COUNCIL_PROFILE`, councils/<name>.yml).
        council: the council profile whose widget this server hands out (`COUNCIL_PROFILE`, `fernbridge`).
        socket_url: where widgets reach Rasa's socket.io channel (`WIDGET_SOCKET_URL`, default `rasa_url`).
        extra_origins: host pages allowed for this run besides the profile's (`WIDGET_EXTRA_ORIGINS`).

    """

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 10.0
    max_message_length: int = MAX_MESSAGE_LENGTH
    council_name: str = field(default_factory=lambda: current_profile().name)
    council: str = DEFAULT_PROFILE
    socket_url: str = ""
    extra_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        parts = urlsplit(self.rasa_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"RASA_URL must be an http(s) URL, got {self.rasa_url!r}")
        object.__setattr__(self, "rasa_url", self.rasa_url.rstrip("/"))
        object.__setattr__(self, "socket_url", (self.socket_url or self.rasa_url).rstrip("/"))
        if self.rasa_timeout <= 0:
            raise ValueError("rasa_timeout must be positive")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> WebChatSettings:
        """Build settings from environment variables, falling back to the documented defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            rasa_url=env.get("RASA_URL", defaults.rasa_url),
            rasa_timeout=float(env.get("RASA_TIMEOUT", defaults.rasa_timeout)),
            council_name=load_profile(env.get("COUNCIL_PROFILE") or DEFAULT_PROFILE).name,
            council=env.get("COUNCIL_PROFILE") or defaults.council,
            socket_url=env.get("WIDGET_SOCKET_URL", ""),
            extra_origins=extra_origins(env),
        )


def _error(status: int, code: str, message: str, **extra: object) -> tuple[Response, int]:
    """Answer in the project's error shape: `{"error": code, "message": plain English}`."""
    return jsonify({"error": code, "message": message, **extra}), status


def widget_bundle() -> bytes:
    """widget.js as served: the vendored socket.io client and the widget in one scope of their own.

    The client's UMD wrapper sees a local `module`, so it never sets a global `io` on the council's page.
    """
    client, rich_text, widget = (part.read_text(encoding="utf-8") for part in WIDGET_PARTS)
    return (
        "/*! Council Assistant widget. Includes socket.io-client (MIT): /static/vendor/socket.io-client.LICENSE */\n"
        "(function () {\nvar module = { exports: {} }, exports = module.exports, define;\n"
        f"{client}\nvar io = module.exports;\n{rich_text}\n{widget}\n}})();\n"
    ).encode()


def create_app(config: WebChatSettings | None = None) -> Flask:
    """Create the chat page application.

    Args:
        config: settings to use; read from the environment when omitted.

    Returns:
        A Flask app serving `/` (the page), its static files, `/config.json`, `/health`
        and `/api/message`, the proxy to Rasa's REST channel.

    """
    settings = config if config is not None else WebChatSettings.from_env()
    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/static")
    # Room for 2000 characters even when every one is JSON-escaped as a surrogate pair.
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.extensions["web_chat_settings"] = settings
    webhook_url = settings.rasa_url + REST_WEBHOOK_PATH

    profile = load_profile(settings.council)
    origins = allowed_origins(profile.widget_origins, settings.extra_origins)
    per_sender, per_address = RateLimiter(), RateLimiter(MESSAGES_PER_ADDRESS_PER_MINUTE)
    bundle = widget_bundle()

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path == "/widget.js" or request.path.startswith("/static/widget/"):
            # Loaded by the council's other sites: let browsers that default to same-origin load it.
            response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    @app.errorhandler(413)
    def body_too_large(_exc: Exception) -> tuple[Response, int]:
        return _error(413, "message_too_long", "That message is too long to send.")

    @app.get("/")
    def index() -> Response:
        return app.send_static_file("index.html")

    @app.get("/config.json")
    def page_config() -> Response:
        response = jsonify(
            {
                "messageUrl": "/api/message",
                "rasaUrl": settings.rasa_url,
                "maxMessageLength": settings.max_message_length,
                "councilName": settings.council_name,
            }
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/widget.js")
    def widget_script() -> Response:
        response = Response(bundle, mimetype="text/javascript")
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @app.get("/widget/config.json")
    def widget_config() -> tuple[Response, int] | Response:
        origin = request.headers.get("Origin", "")
        if request.args.get("council") != settings.council:
            return _error(404, "unknown_council", f"This assistant serves the council {settings.council!r}.")
        if origin not in origins:
            # No CORS header either: a page of another site cannot even read this refusal.
            return _error(403, "origin_not_allowed", "This site may not embed the council's chat widget.")
        response = jsonify(
            {
                "councilName": profile.name,
                "socketUrl": settings.socket_url,
                "socketPath": "/socket.io",
                "maxMessageLength": settings.max_message_length,
                "allowedOrigins": sorted(origins),
                # said when Rasa cannot be reached or does not answer: the council's apology, with its number
                "unavailableMessage": apology(council=profile),
            }
        )
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    @app.post("/api/message")
    def message() -> tuple[Response, int] | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, "invalid_json", 'Send a JSON object: {"sender": "...", "message": "..."}.')
        sender = body.get("sender")
        text = body.get("message")
        if not isinstance(sender, str) or not SENDER_ID_PATTERN.match(sender):
            return _error(400, "invalid_sender", "The conversation id is missing or not valid.")
        if not isinstance(text, str):
            return _error(400, "invalid_message", "The message must be text.")
        text = text.strip()
        if not text:
            return _error(400, "empty_message", "Please type a message before sending.")
        if len(text) > settings.max_message_length:
            return _error(
                413,
                "message_too_long",
                f"Please keep your message under {settings.max_message_length} characters.",
            )

        if not (per_sender.allow(sender) and per_address.allow(request.remote_addr or "")):
            return _error(429, "too_many_messages",
                          "You are sending messages very quickly. Please wait a minute and try again.")

        started = time.monotonic()
        outcome = "ok"
        try:
            upstream = requests.post(
                webhook_url, json={"sender": sender, "message": text}, timeout=settings.rasa_timeout
            )
        except requests.Timeout:
            outcome = "timeout"
            return _error(504, "assistant_timeout", apology(council=profile))
        except requests.RequestException:
            outcome = "unreachable"
            return _error(502, "assistant_unreachable", apology(council=profile))
        finally:
            log.info(
                "sender=%s chars=%d outcome=%s ms=%.0f",
                sender,
                len(text),
                outcome,
                (time.monotonic() - started) * 1000,
            )

        if upstream.status_code != 200:
            log.warning("sender=%s rasa_status=%d", sender, upstream.status_code)
            return _error(
                502,
                "assistant_error",
                apology(council=profile),
                upstream_status=upstream.status_code,
            )
        try:
            answer = upstream.json()
        except ValueError:
            answer = None
        if not isinstance(answer, list):
            return _error(502, "assistant_error", apology(council=profile))
        return jsonify(answer)

    return app
