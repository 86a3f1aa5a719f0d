"""Command line entry point: `python -m web_chat --port 8000 --rasa-url http://127.0.0.1:5005`."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os

from local_stack.wsgi import serve
from web_chat.server import WebChatSettings, create_app


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the chat page with waitress."""
    env = WebChatSettings.from_env()
    parser = argparse.ArgumentParser(prog="python -m web_chat", description="Serve the residents' chat page.")
    parser.add_argument("--host", default=os.environ.get("WEB_CHAT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_CHAT_PORT", "8000")))
    parser.add_argument("--rasa-url", default=env.rasa_url, help="Rasa server base URL (env RASA_URL)")
    parser.add_argument("--rasa-timeout", type=float, default=env.rasa_timeout, help="seconds (env RASA_TIMEOUT)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = dataclasses.replace(env, rasa_url=args.rasa_url, rasa_timeout=args.rasa_timeout, socket_url="")
    if env.socket_url != env.rasa_url:  # WIDGET_SOCKET_URL was set: keep it; otherwise follow --rasa-url
        settings = dataclasses.replace(settings, socket_url=env.socket_url)
    serve(create_app(settings), args.host, args.port, "Chat page")


if __name__ == "__main__":
    main()
