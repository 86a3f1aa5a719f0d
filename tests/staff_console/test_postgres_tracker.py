"""The console reads Rasa's own PostgreSQL tracker store: transcripts, filters, inbox (with unhelpful marks), insights.

Rasa's SQLTrackerStore writes the conversation into the machine's PostgreSQL (database ``test``); when the
server is absent the test fails with the connection error, it never skips.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from local_stack.services import ROOT
from tests.staff_console.conftest import login, make_console

pytestmark = pytest.mark.scale_out
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
FALLBACK_TEXT = "my email is jo.bloggs@example.com, can you refund my gym membership"


def write_conversation(sender: str) -> None:
    """One conversation saved by Rasa's SQL tracker store itself, so the console reads Rasa's real schema."""

    async def save() -> None:
        config = EndpointConfig(type="SQL", dialect="postgresql", url="127.0.0.1", port=5432, db="test",
                                username="postgres", password="")
        store = TrackerStore.create(config, Domain.load(str(ROOT / "bot" / "domain")))
        events = [
            ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
            UserUttered(FALLBACK_TEXT, {"name": "nlu_fallback", "confidence": 0.31}, input_channel="rest"),
            ActionExecuted("action_out_of_scope"), BotUttered("Sorry, I can't help with that."),
            ActionExecuted("action_listen"),
            UserUttered("when is my bin day", {"name": "bin_collection_day", "confidence": 0.97}, input_channel="rest"),
            ActionExecuted("bin_collection_form"), BotUttered("What is your postcode?"),
            ActionExecuted("action_listen"),
            UserUttered("/not_helpful", {"name": "not_helpful", "confidence": 1.0}, input_channel="rest"),
            ActionExecuted("utter_not_helpful"), BotUttered("Sorry that didn't help."),
            ActionExecuted("action_listen"),
        ]
        await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save())


def test_console_reads_conversations_from_postgresql(tmp_path, data_copy):
    sender = f"pg-{uuid.uuid4().hex[:12]}"
    write_conversation(sender)
    app, _ = make_console(tmp_path, POSTGRES_URL, data_copy, low_confidence=0.5)

    mine = [m for m in app.extensions["staff_console"]["reader"].unsure_messages() if m["sender_id"] == sender]
    assert [(m["intent"], m.get("unhelpful", False)) for m in mine] == [
        ("bin_collection_day", True), ("nlu_fallback", False)]
    assert "jo.bloggs" not in mine[1]["text"] and "<email>" in mine[1]["text"]

    client = app.test_client()
    login(client, "viewer")
    for query in ("", "?low=1", "?fallback=1", "?channel=rest", "?intent=bin_collection_day"):
        assert sender in client.get(f"/conversations{query}").get_data(as_text=True), query
    assert sender not in client.get("/conversations?handover=1").get_data(as_text=True)
    transcript = client.get(f"/conversations/{sender}").get_data(as_text=True)
    assert "nlu_fallback" in transcript and "0.31" in transcript and "jo.bloggs" not in transcript
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "resident said the answer did not help" in inbox
    insights = client.get("/insights")
    assert insights.status_code == 200 and "<svg" in insights.get_data(as_text=True)
