"""Rasa's model server: every Rasa worker or replica pulls the live model from here (``models:`` in endpoints).

Rasa asks with ``If-None-Match: <the model it runs>`` every few seconds and loads the archive only when the
ETag changed, so a publish reaches every worker within one pull interval. The route answers only with the
token ``make run`` made for this run (``CONSOLE_MODEL_PULL_TOKEN``), which Rasa sends as ``?token=``.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, abort, request, send_file

from staff_console.routes import console

blueprint = Blueprint("model_server", __name__)


@blueprint.get("/model/live")
def live_model() -> Any:
    """The live model's archive, or 304 when the caller already runs it."""
    token = console().config.model_pull_token
    if not token:
        abort(404)
    if not hmac.compare_digest(request.args.get("token", ""), token):
        abort(401)
    registry = console().trainer.registry
    record_id = registry.live_model_id()
    if record_id is None:
        abort(404)
    model = registry.path(record_id)
    if not model.is_file():
        abort(404)
    etag = f"{model.name}-{model.stat().st_mtime_ns}"
    if request.headers.get("If-None-Match") == etag:
        return "", 304
    response = send_file(model, mimetype="application/gzip", conditional=False, etag=False)
    # Rasa reports this file name as its model_file (GET /status), which the console finds in models/ again.
    response.headers["ETag"], response.headers["filename"] = etag, model.name
    return response
