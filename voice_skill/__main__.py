"""`python -m voice_skill`: serve the Alexa skill endpoint (verification ON unless `--no-verify` is given).

With verification on it needs the council's skill id (``ALEXA_SKILL_ID``), or `--any-skill` for local use.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from local_stack.wsgi import serve
from voice_skill.app import create_app
from voice_skill.settings import VoiceSettings

WARNING = """
************************************************************************
*  WARNING: Alexa request verification is OFF (--no-verify).            *
*  Anyone who can reach this port can talk to the skill as any user.    *
*  Use this only on loopback for benchmarks and local tests.            *
************************************************************************
"""
ANY_SKILL_WARNING = """
************************************************************************
*  WARNING: no ALEXA_SKILL_ID (--any-skill): this endpoint answers      *
*  requests signed by Amazon for ANY skill, not only the council's.     *
*  Set ALEXA_SKILL_ID before a real Alexa skill points here.            *
************************************************************************
"""


def main() -> int:
    """Parse the port and Rasa URL, check the skill id, and serve the skill with waitress."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("VOICE_PORT", 5100)))
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    parser.add_argument("--no-verify", action="store_true",
                        help="turn Amazon's request verification OFF (benchmarks and local tests only)")
    parser.add_argument("--any-skill", action="store_true",
                        help="start without ALEXA_SKILL_ID, answering any skill (local use only)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = VoiceSettings.from_env().updated({"RASA_URL": args.rasa_url, "VERIFY_REQUESTS": not args.no_verify,
                                                 "ANY_SKILL": args.any_skill})
    try:
        settings.require_skill_id()
    except ValueError as error:
        print(f"Not starting: {error}", file=sys.stderr)
        return 2
    if args.no_verify:
        print(WARNING, file=sys.stderr, flush=True)
    elif not settings.skill_id:
        print(ANY_SKILL_WARNING, file=sys.stderr, flush=True)
    print(f"Alexa skill endpoint  http://{args.host}:{args.port}/alexa", flush=True)
    serve(create_app(settings), args.host, args.port, "Alexa skill endpoint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
