"""Signing in and out, roles, CSRF checks and the audit helper every page uses."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from staff_console.db import AuditEntry, StaffSession, User, utcnow
from staff_console.routes import console

blueprint = Blueprint("auth", __name__)
# How often a session's last use is written to the database: each request would be a write for nothing.
SEEN_EVERY = dt.timedelta(minutes=1)
TOO_MANY_SIGN_INS = "Too many sign-in attempts. Please wait a few minutes before trying again."


@blueprint.before_app_request
def load_user() -> Any:
    """The signed-in user (None once the session idled out or was ended); every POST must carry the CSRF token."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        g.user = _session_user(user_id)
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
        expected = session.get("csrf_token", "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(400, "Missing or wrong CSRF token")
    return None


def _session_user(user_id: int) -> User | None:
    """The user of a session the database still holds; otherwise the cookie is cleared, copies included."""
    db = console().sessions()
    record = db.get(StaffSession, str(session.get("sid", "")))
    now = utcnow()
    idle = dt.timedelta(minutes=console().config.session_minutes)
    cookie_seen = dt.datetime.fromtimestamp(session.get("seen", 0), dt.timezone.utc).replace(tzinfo=None)
    if record is None or record.user_id != user_id:
        session.clear()
        flash("You were signed out; please sign in again.")
        return None
    if now - cookie_seen > idle:
        db.delete(record)
        db.commit()
        session.clear()
        flash("Your session expired; please sign in again.")
        return None
    if now - record.seen_at > SEEN_EVERY:
        record.seen_at = now
        db.commit()
    session["seen"] = now.replace(tzinfo=dt.timezone.utc).timestamp()
    return db.get(User, user_id)


def local_target(target: str | None) -> str:
    r"""``target`` when it is a path of this console, else the home page: never another site.

    Browsers drop tabs and line breaks from a Location and read a backslash as a slash, so ``/\t/evil.example``
    and ``/\evil.example`` lead to another site: anything with those, or a scheme or host, is refused.
    """
    home = url_for("inbox.inbox")
    if not target or "\\" in target or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return target


@functools.cache
def _unknown_user_hash() -> str:
    """A hash to check unknown usernames against, so they cost the same time as known ones."""
    return generate_password_hash(secrets.token_urlsafe(16))


@blueprint.app_context_processor
def template_globals() -> dict[str, Any]:
    """The CSRF token and the user, for every template."""
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return {"csrf_token": session["csrf_token"], "user": g.get("user")}


def role(required: str) -> Callable:
    """Let a view run only for a signed-in user whose role includes ``required``."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                if request.method == "GET":
                    return redirect(url_for("auth.login", next=request.full_path))
                return redirect(url_for("auth.login"))
            if not g.user.can(required):
                abort(403, f"Your role ({g.user.role}) cannot do this; it needs {required}.")
            return view(*args, **kwargs)
        return wrapped
    return decorate


def audit(action: str, detail: str) -> None:
    """Add a change-log entry for the signed-in user (committed with the request's work)."""
    console().sessions().add(AuditEntry(username=g.user.username, action=action, detail=detail))


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in; back to the page asked for, never to another site."""
    error = None
    if request.method == "POST":
        db = console().sessions()
        user = db.execute(select(User).where(User.username == request.form.get("username", ""))).scalar_one_or_none()
        # Unknown usernames are checked against a hash too, so the answer takes as long as for a real account.
        matches = check_password_hash(user.password_hash if user else _unknown_user_hash(),
                                      request.form.get("password", ""))
        if user and matches:
            session.clear()
            now = utcnow()
            idle = dt.timedelta(minutes=console().config.session_minutes)
            db.execute(delete(StaffSession).where(StaffSession.seen_at < now - idle))  # long ended
            record = StaffSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now, seen_at=now)
            db.add(record)
            db.commit()
            session.permanent = True
            session["user_id"] = user.id
            session["sid"] = record.id
            session["seen"] = now.replace(tzinfo=dt.timezone.utc).timestamp()
            session["csrf_token"] = secrets.token_urlsafe(32)
            return redirect(local_target(request.args.get("next")))
        error = "Wrong username or password."
    return render_template("login.html", error=error), 401 if error else 200


def failed_sign_in(response: Any) -> bool:
    """Only failed sign-ins count towards the limits: staff who sign in correctly are never held back."""
    return response.status_code == 401


def sign_in_account() -> str:
    """The username tried, as the per-account limit counts it."""
    return "account:" + request.form.get("username", "").strip().casefold()


@blueprint.app_errorhandler(429)
def too_many_sign_ins(error: Any) -> Any:
    """The sign-in page saying plainly why it refuses, with Retry-After."""
    return render_template("login.html", error=TOO_MANY_SIGN_INS), 429


@blueprint.post("/logout")
def logout() -> Any:
    """Sign out: the session ends on the server, so a copy of the cookie stops working too."""
    sid = session.get("sid")
    if sid:
        db = console().sessions()
        db.execute(delete(StaffSession).where(StaffSession.id == str(sid)))
        db.commit()
    session.clear()
    return redirect(url_for("auth.login"))
