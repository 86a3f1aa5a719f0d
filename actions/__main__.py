"""`python -m actions`: rasa-sdk's action server on loopback, answering only a caller that holds the shared secret.

``rasa run actions`` listens on 0.0.0.0 (rasa-sdk's default when ``SANIC_HOST`` is unset) and runs every action
for anyone who posts a tracker, with the backend's key. This serves the same rasa-sdk app (``create_app``, so
every ``Action`` of the package is registered as before) bound to 127.0.0.1 unless ``--host`` says otherwise,
without CORS, and refuses ``/webhook`` and ``/actions`` with 401 unless the request carries
``Authorization: Bearer <ACTION_SERVER_TOKEN>``, the header Rasa sends from ``bot/endpoints.yml``.
``/health`` stays open: it tells nothing and the supervisor polls it.

No action needs TensorFlow, but spaCy's stop words (``nlu_components.words``) import thinc, which imports
TensorFlow whenever it is installed: 9 to 12 of the action server's 13 to 18 seconds to start on this machine,
and a restarted action server is a gap in every conversation. ``main`` keeps TensorFlow out of this process
(thinc then runs without it), so a restart takes a few seconds.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})


def create_server(token: str, package: str = "actions") -> Sanic:
    """rasa-sdk's app for ``package`` with a request middleware that checks the shared secret."""
    if not token:
        raise ValueError(f"{TOKEN_ENV} is empty: the action server never runs without a shared secret")
    app = create_app(package, cors_origins=None)
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        supplied = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(supplied, expected):
            return None
        return response.json({"error": "This action server answers only the council's Rasa server."}, status=401)

    return app


def keep_tensorflow_out() -> None:
    """Make ``import tensorflow`` fail in this process (Python's documented ``sys.modules[name] = None``).

    Raises:
        RuntimeError: TensorFlow is already imported, so it is too late to keep it out.

    """
    if sys.modules.get("tensorflow") is not None:
        raise RuntimeError("TensorFlow is already imported: call keep_tensorflow_out before the actions load")
    sys.modules["tensorflow"] = None  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    """Parse the address, read the secret from the environment and serve until stopped."""
    keep_tensorflow_out()
    parser = argparse.ArgumentParser(prog="python -m actions", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback only)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--actions", default="actions", help="the package whose actions are served")
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        print(f"{TOKEN_ENV} is not set: the action server needs the secret Rasa sends (bot/endpoints.yml). "
              "`make run` makes one per run.", file=sys.stderr)
        return 2
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    app = create_server(token, args.actions)
    logging.getLogger(__name__).info("Action server on http://%s:%d (shared secret required)", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
