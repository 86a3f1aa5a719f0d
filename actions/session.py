"""Session start: put the council profile into slots so responses can name the council."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.council import CouncilAction, profile


def profile_slots() -> list[EventType]:
    """SlotSet events carrying the council profile's name, numbers and website."""
    council = profile()
    return [
        SlotSet("council_name", council.name),
        SlotSet("council_phone", council.phone),
        SlotSet("council_phone_hours", council.phone_hours),
        SlotSet("out_of_hours_phone", council.out_of_hours_phone),
        SlotSet("council_website", council.website),
    ]


class ActionSessionStart(CouncilAction):
    """Start every conversation with the profile slots set."""

    def name(self) -> str:
        """Rasa's own session-start action name, replaced here."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Start the session, set the profile slots, then listen."""
        return [SessionStarted(), *profile_slots(), ActionExecuted("action_listen")]

    def failure_events(self, tracker: Tracker) -> list[EventType]:
        """Without the profile slots the session still starts, so the resident can carry on."""
        return [SessionStarted(), ActionExecuted("action_listen")]
