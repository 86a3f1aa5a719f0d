"""How every Flask service of the project is served: waitress, a production WSGI server, with bounded resources.

Werkzeug's development server starts a thread per request without limit and holds idle connections forever.
waitress (pure Python, no compiler, nothing beside Rasa's pins to fight) serves from a fixed pool of threads,
queues what is beyond it, refuses connections past a limit, closes idle ones and caps request bodies. The
backend, the chat page, the Alexa endpoint, the staff console and the demonstration site all call ``serve``.

Environment (defaults in brackets): ``WSGI_THREADS`` [8], ``WSGI_CONNECTION_LIMIT`` [100],
``WSGI_CHANNEL_TIMEOUT`` [30 s without a byte before a connection is closed], ``WSGI_MAX_BODY_BYTES`` [1 MiB].
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

import waitress

DEFAULTS = {"WSGI_THREADS": 8, "WSGI_CONNECTION_LIMIT": 100, "WSGI_CHANNEL_TIMEOUT": 30,
            "WSGI_MAX_BODY_BYTES": 1024 * 1024}


def server_settings(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Waitress's settings from the environment, each a positive whole number.

    Raises:
        ValueError: a setting is not a positive whole number (the message names it).

    """
    environ = os.environ if environ is None else environ
    values = {}
    for name, default in DEFAULTS.items():
        raw = environ.get(name) or str(default)
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
        values[name] = int(raw)
    return {"threads": values["WSGI_THREADS"], "connection_limit": values["WSGI_CONNECTION_LIMIT"],
            "channel_timeout": values["WSGI_CHANNEL_TIMEOUT"], "max_request_body_size": values["WSGI_MAX_BODY_BYTES"]}


def serve(app: Callable[..., Any], host: str, port: int, name: str) -> None:
    """Serve ``app`` on host:port until SIGINT or SIGTERM, then finish the requests in hand and return."""
    settings = server_settings()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # waitress shuts its threads down cleanly on this

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger("waitress").setLevel(logging.INFO)
    logging.getLogger(__name__).info("%s on http://%s:%d (waitress, %d threads)", name, host, port,
                                     settings["threads"])
    waitress.serve(app, host=host, port=port, ident="waitress", **settings)
