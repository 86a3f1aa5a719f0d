"""A message a form question took as its answer is not a fallback in the console's inbox."""

from __future__ import annotations

import json

from sqlalchemy import create_engine

from staff_console.sample_tracker import EVENTS, METADATA, user_event
from staff_console.transcripts import TrackerReader


def _write(db_path, sender, events):
    engine = create_engine(f"sqlite:///{db_path}", future=True)
    METADATA.create_all(engine)
    rows = []
    for i, (type_name, intent, action, data) in enumerate(events):
        rows.append({"sender_id": sender, "type_name": type_name, "timestamp": 1_800_000_000 + i,
                     "intent_name": intent, "action_name": action, "data": json.dumps(data)})
    with engine.begin() as connection:
        connection.execute(EVENTS.insert(), rows)
    engine.dispose()


def _slot(name, value):
    return ("slot", None, None, {"event": "slot", "name": name, "value": value})


def _user(text, intent, confidence):
    return ("user", intent, None, user_event(text, intent, confidence, [], 1_800_000_000))


def _action(name):
    return ("action", None, name, {"event": "action", "name": name})


DESCRIPTION = "deep hole cars keep swerving round it"
NONSENSE = "what's the weather on mars"


def test_a_description_the_form_asked_for_is_not_in_the_inbox_but_a_real_fallback_is(tmp_path):
    db = tmp_path / "tracker.db"
    _write(db, "resident-1", [
        _user("pothole on mill lane", "report_problem", 0.95),
        _action("problem_report_form"),
        _slot("requested_slot", "problem_description"),
        _action("action_listen"),
        _user(DESCRIPTION, "nlu_fallback", 0.31),  # the classifier was unsure; the form took it
        _slot("problem_description", DESCRIPTION),
        _action("problem_report_form"),
        _slot("problem_description", DESCRIPTION),
        _slot("requested_slot", "contact_details"),
        _action("action_listen"),
        _user(NONSENSE, "nlu_fallback", 0.2),  # not an answer: the form left, nothing was filled
        _action("action_out_of_scope"),
        _slot("requested_slot", None),
    ])
    reader = TrackerReader(f"sqlite:///{db}", low_confidence=0.6)
    assert [m["text"] for m in reader.unsure_messages()] == [NONSENSE]


def test_an_answer_the_form_refused_stays_in_the_inbox(tmp_path):
    db = tmp_path / "tracker.db"
    _write(db, "resident-2", [
        _action("bin_day_form"),
        _slot("requested_slot", "postcode"),
        _action("action_listen"),
        _user("my house", "nlu_fallback", 0.3),
        _action("bin_day_form"),
        _slot("postcode", None),
        _slot("requested_slot", "postcode"),
    ])
    reader = TrackerReader(f"sqlite:///{db}", low_confidence=0.6)
    assert [m["text"] for m in reader.unsure_messages()] == ["my house"]
