"""Staff see which council page a resident wrote from, as the chat widget sends it."""

from __future__ import annotations

import json

from sqlalchemy import create_engine

from staff_console.sample_tracker import EVENTS, METADATA, user_event
from staff_console.transcripts import TrackerReader


def test_transcript_shows_the_page_the_widget_sent(tmp_path):
    db = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{db}", future=True)
    METADATA.create_all(engine)
    said = user_event("how much is it?", "nlu_fallback", 0.55, [], 1_000.0, channel="socketio")
    said["metadata"] = {"page": {"url": "https://www.fernbridge.gov.example/bins/garden-waste", "title": "x"}}
    plain = user_event("hello", "greet", 0.99, [], 1_001.0)
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), [
            {"sender_id": "widget-1", "type_name": "user", "timestamp": event["timestamp"], "intent_name": None,
             "action_name": None, "data": json.dumps(event)} for event in (said, plain)])
    engine.dispose()
    turns = TrackerReader(f"sqlite:///{db}").transcript("widget-1")
    assert [t.page for t in turns] == ["https://www.fernbridge.gov.example/bins/garden-waste", ""]
