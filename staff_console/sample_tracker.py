"""Write Rasa-shaped conversations straight into a tracker store's ``events`` table (console tests, benchmark)."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine

METADATA = MetaData()
EVENTS = Table(
    "events", METADATA,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

SAMPLES = [
    ("when is my bin day", "bin_collection_day", 0.97, []),
    ("library opening hours", "library_opening_hours", 0.93, []),
    ("can I get a refund on my gym membership", "nlu_fallback", 0.31, []),
    ("my email is jo.bloggs@example.com and my number is 07700 900123", "contact_council", 0.42, []),
    ("bins at FB1 2AA", "bin_collection_day", 0.58, [{"entity": "postcode", "start": 8, "end": 15,
                                                      "value": "FB1 2AA", "extractor": "SpacyEntityExtractor"}]),
    ("I am John Smith, NI QQ 12 34 56 C, card 4111 1111 1111 1111", "contact_council", 0.35,
     [{"entity": "PERSON", "start": 5, "end": 15, "value": "John Smith"}]),
]


def user_event(text: str, intent: str, confidence: float, entities: list, ts: float,
               channel: str = "rest") -> dict:
    """A Rasa ``user`` event as the SQL tracker store keeps it."""
    return {"event": "user", "timestamp": ts, "text": text, "input_channel": channel, "message_id": "m",
            "metadata": {}, "parse_data": {"intent": {"name": intent, "confidence": confidence},
                                           "entities": entities, "text": text}}


def write_conversations(db_path: Path, conversations: int, seed: int = 0, start: float | None = None) -> None:
    """Write ``conversations`` short conversations (6 events each) spread over the last 30 days."""
    rng = random.Random(seed)
    engine = create_engine(f"sqlite:///{db_path}", future=True)
    METADATA.create_all(engine)
    now = start or time.time()
    rows = []
    for n in range(conversations):
        ts = now - rng.random() * 30 * 86400
        sender = f"fake-{seed}-{n:06d}"
        text, intent, confidence, entities = SAMPLES[n % len(SAMPLES)]
        events = [
            ("action", None, "action_session_start", {"event": "action", "name": "action_session_start"}),
            ("action", None, "action_listen", {"event": "action", "name": "action_listen"}),
            ("user", intent, None, user_event(text, intent, confidence, entities, ts)),
            ("action", None, "utter_default" if intent == "nlu_fallback" else "utter_ok", {"event": "action"}),
            ("bot", None, None, {"event": "bot", "text": f"Thanks, I can help with {intent}. Call 01632 960001."}),
            ("action", None, "utter_handover_intro" if n % 10 == 0 else "action_listen", {"event": "action"}),
        ]
        for i, (type_name, intent_name, action_name, data) in enumerate(events):
            rows.append({"sender_id": sender, "type_name": type_name, "timestamp": ts + i * 0.1,
                         "intent_name": intent_name, "action_name": action_name, "data": json.dumps(data)})
        if len(rows) >= 5000:
            with engine.begin() as connection:
                connection.execute(EVENTS.insert(), rows)
            rows = []
    if rows:
        with engine.begin() as connection:
            connection.execute(EVENTS.insert(), rows)
    engine.dispose()
