"""`python -m web_chat.demo_site --port 8090 --widget-src http://127.0.0.1:8000/widget.js --socket-url ...`."""

from __future__ import annotations

import argparse
import logging

from local_stack.wsgi import serve
from web_chat.demo_site import create_app


def main(argv: list[str] | None = None) -> None:
    """Serve the demonstration council pages on loopback."""
    parser = argparse.ArgumentParser(prog="python -m web_chat.demo_site", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--widget-src", required=True, help="URL of widget.js on the chat server")
    parser.add_argument("--socket-url", required=True, help="Rasa's base URL, where the widget's socket.io goes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    serve(create_app(args.widget_src, args.socket_url), args.host, args.port, "Demonstration council site")


if __name__ == "__main__":
    main()
