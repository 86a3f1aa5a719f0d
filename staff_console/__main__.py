"""``python -m staff_console create-admin --username X``, ``serve``, ``retention`` or ``publish --model M``."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from staff_console.config import ConsoleConfig
from staff_console.db import ROLES, AuditEntry, User, end_sessions, make_engine, make_sessions
from staff_console.retention import DailyRetention, TrackerStoreCleaner, expire


def create_user(config: ConsoleConfig, username: str, password: str, role: str) -> None:
    """Create (or reset the password and role of) a staff account; the password is stored hashed.

    Resetting ends the account's sessions: whoever holds a copy of its cookie is signed out.
    """
    if len(password) < 10:
        raise SystemExit("Passwords need at least 10 characters.")
    sessions = make_sessions(make_engine(config.db_url))
    db = sessions()
    user = db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(username=username)
        db.add(user)
    else:
        end_sessions(db, user.id)
    user.password_hash = generate_password_hash(password)
    user.role = role
    db.add(AuditEntry(username="(command line)", action="account", detail=f"{username} set up as {role}"))
    db.commit()


def start_retention_schedule(app: Any) -> DailyRetention | None:
    """Start the daily retention run of a console app's tracker store, unless its settings leave it to cron."""
    config: ConsoleConfig = app.config["CONSOLE"]
    if not config.retention_schedule:
        print("Retention: not scheduled here (CONSOLE_RETENTION_SCHEDULE is off); run "
              "`python -m staff_console retention` from cron or a systemd timer.", flush=True)
        return None
    parts = app.extensions["staff_console"]
    schedule = DailyRetention(parts["console"].cleaner, parts["sessions"], config.conversation_retention_days())
    schedule.start()
    return schedule


def publish_model(config: ConsoleConfig, model: Path, reason: str, rasa_pulls: bool) -> int:
    """Register ``model`` and publish it, recorded in the change log as the command line's doing."""
    from staff_console.publishing import Publisher
    from staff_console.registry import ModelRegistry

    if not model.is_file():
        raise SystemExit(f"No model at {model}")
    sessions = make_sessions(make_engine(config.db_url))
    registry = ModelRegistry(sessions, config.models_dir, config.root, config.rasa_url, adopt_running=False,
                             rasa_token=config.rasa_token)
    Publisher(sessions, registry, config.rasa_url, config.models_dir, rasa_token=config.rasa_token,
              pull=rasa_pulls).publish(
        registry.register(model.resolve()), "(command line)", reason)
    print(f"Published {model}" + (": Rasa pulls it within its pull interval" if rasa_pulls else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it."""
    parser = argparse.ArgumentParser(prog="python -m staff_console", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, default_role in (("create-admin", "publisher"), ("create-user", "viewer")):
        sub = commands.add_parser(name, help=f"create a staff account (role {default_role} by default)")
        sub.add_argument("--username", required=True)
        sub.add_argument("--role", choices=ROLES, default=default_role)
        sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    retention = commands.add_parser("retention", help="delete conversations older than the retention period")
    retention.add_argument("--days", type=int, help="keep this many days (default: the council profile's)")
    publish = commands.add_parser("publish", help="put a model live, as the console's publish button does")
    publish.add_argument("--model", type=Path, required=True)
    publish.add_argument("--reason", default="published from the command line")
    publish.add_argument("--rasa-pulls", action="store_true",
                         help="Rasa pulls the live model from the console (make run): no PUT /model")
    serve = commands.add_parser("serve", help="run the console (and its daily retention run)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT", 5200)))
    args = parser.parse_args(argv)
    config = ConsoleConfig.from_env()
    if args.command in ("create-admin", "create-user"):
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Again: ") != password:
                raise SystemExit("The passwords differ.")
        create_user(config, args.username, password, args.role)
        print(f"Account {args.username} ({args.role}) is ready.")
        return 0
    if args.command == "retention":
        days = args.days if args.days is not None else config.conversation_retention_days()
        done = expire(TrackerStoreCleaner(config.tracker_db_url), make_sessions(make_engine(config.db_url)), days,
                      dt.datetime.now(dt.timezone.utc))
        print(f"Deleted {done.events} events of {done.conversations} conversations older than {days} days.")
        return 0
    if args.command == "publish":
        return publish_model(config, args.model, args.reason, args.rasa_pulls)
    from local_stack.wsgi import serve
    from staff_console.app import create_app

    print(f"Staff console  http://{args.host}:{args.port}/", flush=True)
    app = create_app(config)
    # The evaluation gate compares every retrain with the live model: evaluate it now, not after a correction.
    app.extensions["staff_console"]["trainer"].evaluate_live_in_background()
    start_retention_schedule(app)
    serve(app, args.host, args.port, "Staff console")
    return 0


if __name__ == "__main__":
    sys.exit(main())
