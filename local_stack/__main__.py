"""`make run`: start the backend, action server, Rasa, chat page and Alexa skill endpoint; Ctrl-C stops them all.

The services run under supervisord (local_stack/supervisor.py): one that dies is restarted, the others serve on,
and the restart is logged with its reason. Only Ctrl-C (or SIGTERM) stops the stack.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import xmlrpc.client
from pathlib import Path

from local_stack.scale import ScaleSettings, plan
from local_stack.services import RASA_TOKEN_ENV, ROOT, Ports, RunSecrets, new_secret, run_command_services
from local_stack.supervisor import SupervisedStack

NO_SKILL_ID = """
************************************************************************
*  WARNING: ALEXA_SKILL_ID is not set. The Alexa endpoint starts with   *
*  --any-skill for local use: it answers requests for ANY skill.        *
*  Set ALEXA_SKILL_ID to the council's skill id before Alexa uses it.   *
************************************************************************
"""


def main() -> int:
    """Parse ports, start the stack, print the URLs and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--backend-port", type=int, default=int(os.environ.get("BACKEND_PORT", 8080)))
    parser.add_argument("--chat-port", type=int, default=int(os.environ.get("CHAT_PORT", 8000)))
    parser.add_argument("--voice-port", type=int, default=int(os.environ.get("VOICE_PORT", 5100)))
    parser.add_argument("--console-port", type=int, default=int(os.environ.get("CONSOLE_PORT", 5200)))
    parser.add_argument("--demo-port", type=int, default=int(os.environ.get("DEMO_PORT", 8090)))
    args = parser.parse_args()

    if not args.model.is_file():
        print(f"No trained model at {args.model}: run `make train` (make run does it for you).", file=sys.stderr)
        return 1
    # Secrets made for this run unless configured: the backend's key (backend and action server), Rasa's API
    # token (Rasa and the staff console), the action server's secret (Rasa and the action server) and Rasa's
    # pass to the console's model server (every worker pulls the published model from it).
    run_secrets = RunSecrets.from_env()
    skill_id = os.environ.get("ALEXA_SKILL_ID") or None
    ports = Ports(rasa=args.rasa_port, actions=args.actions_port, backend=args.backend_port, chat=args.chat_port,
                  voice=args.voice_port, console=args.console_port, demo=args.demo_port)
    try:  # several Rasa workers on PostgreSQL and Redis when they answer, else one process (local_stack/scale.py)
        model_token = new_secret()
        scale = plan(ScaleSettings.from_env(), ROOT / "run",
                     model_url=f"http://127.0.0.1:{args.console_port}/model/live", model_token=model_token)
    except (ValueError, RuntimeError) as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(scale.summary, flush=True)
    console_env = {"CONSOLE_MODEL_PULL_TOKEN": model_token, "CONSOLE_STARTED_MODEL": str(args.model)}
    stack = SupervisedStack(run_command_services(args.model, ports, run_secrets, skill_id=skill_id,
                                                 console_env=console_env, scale=scale),
                            run_dir=ROOT / "run", echo=True)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    # Ctrl-C and a service manager's stop both end the stack; set SIGINT explicitly because a shell starting
    # us in the background hands us SIGINT ignored.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if skill_id is None:
        print(NO_SKILL_ID, file=sys.stderr, flush=True)
    print(f"Starting Council Assistant with {args.model} (logs in run/*.log) ...", flush=True)
    try:
        stack.start()
        print("\nCouncil Assistant is running:")
        urls = [("Chat page for residents", f"http://127.0.0.1:{args.chat_port}/"),
                ("Council site with widget", f"http://127.0.0.1:{args.demo_port}/"),
                ("Rasa (REST, socket.io)", f"http://127.0.0.1:{args.rasa_port}/webhooks/rest/webhook"),
                ("Action server", f"http://127.0.0.1:{args.actions_port}/health"),
                ("Council backend (stand-in)", f"http://127.0.0.1:{args.backend_port}/openapi.json"),
                ("Alexa skill endpoint", f"http://127.0.0.1:{args.voice_port}/alexa"),
                ("Staff console", f"http://127.0.0.1:{args.console_port}/")]
        for label, url in urls:
            print(f"  {label:<27}{url}")
        print(f"Rasa's HTTP API needs ?token=<{RASA_TOKEN_ENV}>: set {RASA_TOKEN_ENV} before `make run` to "
              "choose it (this run made its own).")
        print("A service that stops is restarted (run/supervisord.log says why). Press Ctrl-C to stop.", flush=True)
        given_up: set[str] = set()
        while True:
            if stack.process is not None and stack.process.poll() is not None:
                print(f"\nsupervisord stopped unexpectedly:\n{stack.log_tail()}", file=sys.stderr)
                return 1
            try:
                states = stack.states()
            except (OSError, xmlrpc.client.Error):
                states = {}  # supervisord is busy or restarting a service: ask again next time
            for name, state in states.items():
                if state == "FATAL" and name not in given_up:
                    given_up.add(name)
                    print(f"\n{name} keeps failing and is no longer restarted; the others serve on. Its log:\n"
                          f"{stack.by_name(name).log_tail()}", file=sys.stderr, flush=True)
            time.sleep(2)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    except RuntimeError as error:
        print(f"\nCould not start: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
