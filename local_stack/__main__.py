"""`make run`: start the backend, action server, Rasa, chat page and Alexa skill endpoint; Ctrl-C stops them all."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from local_stack.scale import ScaleSettings, plan
from local_stack.services import (
    ROOT,
    Stack,
    actions_service,
    backend_service,
    chat_service,
    console_service,
    demo_site_service,
    rasa_service,
    voice_service,
)


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

    # The backend and the action server share a key made for this run, unless one is configured.
    if not args.model.is_file():
        print(f"No trained model at {args.model}: run `make train` (make run does it for you).", file=sys.stderr)
        return 1
    api_key = os.environ.get("COUNCIL_API_KEY") or secrets.token_urlsafe(24)
    backend_url = f"http://127.0.0.1:{args.backend_port}"
    rasa_url, chat_url = f"http://127.0.0.1:{args.rasa_port}", f"http://127.0.0.1:{args.chat_port}"
    # The demonstration site may embed the widget for this run, beside the sites of the council's profile.
    demo_origin = {"WIDGET_EXTRA_ORIGINS": f"http://127.0.0.1:{args.demo_port}"}
    try:  # several Rasa workers on PostgreSQL and Redis when they answer, else one process (local_stack/scale.py)
        model_token = secrets.token_urlsafe(24)  # Rasa's pass to the console's model server, made per run
        scale = plan(ScaleSettings.from_env(), ROOT / "run",
                     model_url=f"http://127.0.0.1:{args.console_port}/model/live", model_token=model_token)
    except (ValueError, RuntimeError) as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(scale.summary, flush=True)
    actions = actions_service(args.actions_port, backend_url, api_key)
    actions.env.update(scale.actions_env)
    stack = Stack(
        [
            backend_service(args.backend_port, api_key),
            actions,
            rasa_service(args.rasa_port, args.model, args.actions_port, endpoints=str(scale.endpoints),
                         extra_env={**demo_origin, **scale.rasa_env}),
            chat_service(args.chat_port, rasa_url, extra_env=demo_origin),
            demo_site_service(args.demo_port, chat_url, rasa_url),
            # Verification stays on: a real Alexa reaches this endpoint through a tunnel.
            voice_service(args.voice_port, f"http://127.0.0.1:{args.rasa_port}"),
            console_service(args.console_port, f"http://127.0.0.1:{args.rasa_port}", scale.tracker_db_url,
                            extra_env={"CONSOLE_MODEL_PULL_TOKEN": model_token,
                                       "CONSOLE_STARTED_MODEL": str(args.model)}),
        ],
        log_dir=ROOT / "run",
    )
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
    print(f"Starting Council Assistant with {args.model} (logs in run/*.log) ...", flush=True)
    try:
        stack.start()
        print("\nCouncil Assistant is running:")
        urls = [("Chat page for residents", f"http://127.0.0.1:{args.chat_port}/"),
                ("Council site with widget", f"http://127.0.0.1:{args.demo_port}/"),
                ("Rasa (REST, socket.io)", f"http://127.0.0.1:{args.rasa_port}/webhooks/rest/webhook"),
                ("Action server", f"http://127.0.0.1:{args.actions_port}/health"),
                ("Council backend (stand-in)", f"{backend_url}/openapi.json"),
                ("Alexa skill endpoint", f"http://127.0.0.1:{args.voice_port}/alexa"),
                ("Staff console", f"http://127.0.0.1:{args.console_port}/")]
        for label, url in urls:
            print(f"  {label:<27}{url}")
        print("Press Ctrl-C to stop.", flush=True)
        while True:
            for service in stack.services:
                if service.process is not None and service.process.poll() is not None:
                    print(f"\n{service.name} stopped unexpectedly:\n{service.log_tail()}", file=sys.stderr)
                    return 1
            time.sleep(1)
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
