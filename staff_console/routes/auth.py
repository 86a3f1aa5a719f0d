"""Signing in and out, roles, CSRF checks and the audit helper every page uses."""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash

from staff_console.db import AuditEntry, User
from staff_console.routes import console

blueprint = Blueprint("auth", __name__)


@blueprint.before_app_request
def load_user() -> Any:
    """The signed-in user (None once the session is idle too long); every POST must carry the CSRF token."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        last = session.get("seen", 0)
        now = dt.datetime.now(dt.timezone.utc).timestamp()
        if now - last > console().config.session_minutes * 60:
            session.clear()
            flash("Your session expired; please sign in again.")
        else:
            g.user = console().sessions().get(User, user_id)
            session["seen"] = now
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
        expected = session.get("csrf_token", "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(400, "Missing or wrong CSRF token")
    return None


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
        user = console().sessions().execute(
            select(User).where(User.username == request.form.get("username", ""))).scalar_one_or_none()
        if user and check_password_hash(user.password_hash, request.form.get("password", "")):
            session.clear()
            session.permanent = True
            session["user_id"] = user.id
            session["seen"] = dt.datetime.now(dt.timezone.utc).timestamp()
            session["csrf_token"] = secrets.token_urlsafe(32)
            target = request.args.get("next") or url_for("inbox.inbox")
            return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
        error = "Wrong username or password."
    return render_template("login.html", error=error), 401 if error else 200


@blueprint.post("/logout")
def logout() -> Any:
    """Sign out."""
    session.clear()
    return redirect(url_for("auth.login"))
