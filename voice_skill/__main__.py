"""`python -m voice_skill`: serve the Alexa skill endpoint (verification ON unless `--no-verify` is given)."""

from __future__ import annotations

import argparse
import os
import sys

from voice_skill.app import create_app

WARNING = """
************************************************************************
*  WARNING: Alexa request verification is OFF (--no-verify).            *
*  Anyone who can reach this port can talk to the skill as any user.    *
*  Use this only on loopback for benchmarks and local tests.            *
************************************************************************
"""


def main() -> int:
    """Parse the port and Rasa URL and serve the skill with Flask's threaded server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("VOICE_PORT", 5100)))
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    parser.add_argument("--no-verify", action="store_true",
                        help="turn Amazon's request verification OFF (benchmarks and local tests only)")
    args = parser.parse_args()
    config: dict[str, object] = {"RASA_URL": args.rasa_url}
    if args.no_verify:
        print(WARNING, file=sys.stderr, flush=True)
        config["VERIFY_REQUESTS"] = False
    app = create_app(config)
    print(f"Alexa skill endpoint  http://{args.host}:{args.port}/alexa", flush=True)
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
