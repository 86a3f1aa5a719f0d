"""Run the reference backend: `python -m council_backend --host 127.0.0.1 --port 8080`."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from council_backend.app import create_app
from local_stack.wsgi import serve


def main(argv: list[str] | None = None) -> int:
    """Serve the backend with waitress until interrupted or terminated."""
    parser = argparse.ArgumentParser(prog="python -m council_backend", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("COUNCIL_BACKEND_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("COUNCIL_BACKEND_PORT", "8080")), help="default 8080"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    serve(create_app(), args.host, args.port, "Council backend")
    return 0


if __name__ == "__main__":
    sys.exit(main())
