"""Fakes the console's unit tests share: a Rasa stand-in over real HTTP and evaluations as the console writes them."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, request
from werkzeug.serving import make_server

RASA_TOKEN = "rasa-api-token-for-tests"


def fake_rasa() -> tuple:
    """Rasa's HTTP API as `make run` starts it: every call needs the token (``?token=``), else 401.

    It loads any model (``PUT /model``, recorded) and says it runs council-running.tar.gz.
    """
    app = Flask("fake_rasa")
    loaded: list[str] = []

    @app.before_request
    def require_token():
        if request.args.get("token") != RASA_TOKEN:
            return {"message": "User is not authenticated."}, 401
        return None

    @app.put("/model")
    def load():
        loaded.append(request.get_json()["model_file"])
        return "", 204

    @app.get("/status")
    def status():
        return {"model_file": "council-running.tar.gz"}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", loaded


def running_model_dir(tmp_path: Path) -> Path:
    """A models folder holding the model the fake Rasa reports as running."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "council-running.tar.gz").write_bytes(b"model")
    return models


def held_out(right: int, oos_right: int, fallback: int = 0, urgent_missed: tuple[str, ...] = (),
             urgent_set: dict[str, str] | None = None) -> dict:
    """An evaluation on 100 held-out messages: 10 out of scope, 84 greetings, 6 urgent; ``right`` of them right.

    ``fallback`` greetings go to the fallback (they count among the wrong ones); ``urgent_missed`` names the
    held-out urgent messages taken for something else; ``urgent_set`` maps messages of the urgent set to what
    the model chose (their route is ``home_flooding``).
    """
    predictions = [{"text": f"oos {i}", "gold": "out_of_scope", "predicted": "nlu_fallback" if i < oos_right else
                    "greet"} for i in range(10)]
    urgent = [f"urgent {i}" for i in range(6)]
    predictions += [{"text": t, "gold": "home_flooding", "predicted": "greet" if t in urgent_missed else
                     "home_flooding"} for t in urgent]
    wrong_greetings = 90 - len(urgent_missed) - (right - oos_right)
    assert wrong_greetings >= fallback, "the fallbacks are among the wrong answers"
    predictions += [{"text": f"greeting {i}", "gold": "greet",
                     "predicted": ("nlu_fallback" if i < fallback else "goodbye") if i < wrong_greetings else "greet"}
                    for i in range(84)]
    return {"n": 100, "accuracy": right / 100, "oos_recall": oos_right / 10, "predictions": predictions,
            "urgent": [{"text": t, "gold": "home_flooding", "predicted": p} for t, p in (urgent_set or {}).items()],
            "per_intent": {}, "confusion_pairs": []}
