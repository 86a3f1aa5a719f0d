"""A long conversation scripted as events, played into a tracker store turn by turn as Rasa's processor plays it."""

from __future__ import annotations

import asyncio

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from local_stack.services import ROOT

DOMAIN = Domain.load(str(ROOT / "bot" / "domain"))


def said(text: str, intent: str, **entities: str) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9},
                       [{"entity": name, "value": value, "start": 0, "end": 1} for name, value in entities.items()])


def _answer(action: str, text: str) -> list[Event]:
    return [ActionExecuted(action), BotUttered(text), ActionExecuted("action_listen")]


def session_start(at: float = 1.0) -> list[Event]:
    """What the project's action_session_start stores; by default before the scripted turns were written."""
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at),
            SlotSet("council_name", "Fernbridge", timestamp=at), ActionExecuted("action_listen", timestamp=at)]


def turns(count: int) -> list[list[Event]]:
    """A long conversation: greetings, a bin-day form over three turns, a thank-you, repeated with new values."""
    script: list[list[Event]] = []
    for i in range(count):
        step = i % 5
        if step == 0:
            script.append([said(f"hello {i}", "greet"), *_answer("utter_greet", "Hello")])
        elif step == 1:
            script.append([said(f"when is my bin day {i}", "bin_collection_day"), ActionExecuted("bin_day_form"),
                           ActiveLoop("bin_day_form"), SlotSet("requested_slot", "postcode"),
                           BotUttered("Your postcode?"), ActionExecuted("action_listen")])
        elif step == 2:
            script.append([said(f"FB{i} 2AA", "inform", postcode=f"FB{i} 2AA"), SlotSet("postcode", f"FB{i} 2AA"),
                           ActionExecuted("bin_day_form"), SlotSet("requested_slot", "uprn"),
                           BotUttered("Which address?"), ActionExecuted("action_listen")])
        elif step == 3:
            script.append([said(f"/inform uprn {i}", "inform"), SlotSet("uprn", str(10_000 + i)),
                           ActionExecuted("bin_day_form"), SlotSet("requested_slot", None), ActiveLoop(None),
                           *_answer("action_tell_bin_day", f"Bins on day {i}")])
        else:
            script.append([said(f"thanks {i}", "thank"), *_answer("utter_anything_else", "Anything else?")])
    return script


def run(coroutine):  # noqa: ANN001, ANN202 - a test helper around asyncio
    return asyncio.run(coroutine)


def play(store: SQLTrackerStore, sender: str, script: list[list[Event]]) -> list[DialogueStateTracker]:
    """Each turn as Rasa's processor does it: retrieve (or create), add the turn's events, save."""
    seen = []
    for events in script:
        tracker = run(store.retrieve(sender))
        if tracker is None:
            tracker = DialogueStateTracker(sender, DOMAIN.slots)
            for event in session_start():
                tracker.update(event, DOMAIN)
        for event in events:
            tracker.update(event, DOMAIN)
        run(store.save(tracker))
        seen.append(run(store.retrieve(sender)))
    return seen
