"""Run the reference backend: `python -m council_backend --host 127.0.0.1 --port 8080`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from types import FrameType

from werkzeug.serving import make_server

from council_backend.app import create_app


def main(argv: list[str] | None = None) -> int:
    """Serve the backend with werkzeug's threaded server until interrupted or terminated."""
    parser = argparse.ArgumentParser(prog="python -m council_backend", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("COUNCIL_BACKEND_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("COUNCIL_BACKEND_PORT", "8080")), help="default 8080"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app = create_app()
    server = make_server(args.host, args.port, app, threaded=True)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    logging.getLogger("council_backend").info("Council backend listening on http://%s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
