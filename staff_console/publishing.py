"""Publishing: put a model live (Rasa pulls it, or ``PUT /model``) and remember it for the next `make run`."""

from __future__ import annotations

import json
from pathlib import Path

import requests
from sqlalchemy.orm import scoped_session

from local_stack.models import PUBLISHED
from staff_console.db import AuditEntry, ModelRecord, session_scope, utcnow
from staff_console.registry import ModelRegistry, beside


class Publisher:
    """Puts a registered model live; conversations stay in the tracker store."""

    def __init__(self, sessions: scoped_session, registry: ModelRegistry, rasa_url: str, models_dir: Path,
                 rasa_token: str | None = None, pull: bool = False) -> None:
        """``pull``: Rasa's workers pull the live model themselves (GET /model/live), so no ``PUT /model``."""
        self.sessions, self.registry = sessions, registry
        self.rasa_url, self.models_dir, self.pull = rasa_url.rstrip("/"), Path(models_dir), pull
        self.rasa_params = {"token": rasa_token} if rasa_token else {}  # Rasa's HTTP API token (``?token=``)

    def publish(self, record_id: int, username: str, reason: str, pinned: bool = False) -> None:
        """Put the model live (Rasa loads it now, or pulls it within its pull interval) and record who and why.

        ``pinned``: staff chose this model by hand (a roll back), so `make run` keeps starting it until the
        dialogue changes, rather than training the newest data again.

        Raises:
            RuntimeError: Rasa refused the model.

        """
        model = self.registry.path(record_id)
        if not self.pull:
            response = requests.put(f"{self.rasa_url}/model", params=self.rasa_params,
                                    json={"model_file": str(model)}, timeout=600)
            if response.status_code not in (200, 204):
                raise RuntimeError(f"Rasa refused the model: {response.status_code} {response.text[:300]}")
        self.registry.mark_live(record_id)
        with session_scope(self.sessions) as session:
            session.get(ModelRecord, record_id).published_at = utcnow()
            session.add(AuditEntry(username=username, action="publish",
                                   detail=f"Published model {record_id} ({model.name}): {reason}"))
        self._remember_published(model, pinned=pinned)

    def _remember_published(self, model: Path, pinned: bool) -> None:
        """Tell `make run` which model is live (``models/published.json``), so a restart starts the same one."""
        try:
            inputs = json.loads(beside(model, ".inputs.json").read_text())
        except (OSError, ValueError):
            inputs = {}  # trained elsewhere: start it again only while staff keep it pinned
        record = {"model": str(model), "pinned": pinned, "published_at": utcnow().isoformat(), **inputs}
        path = self.models_dir / PUBLISHED
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")
