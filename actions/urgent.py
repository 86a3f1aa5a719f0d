"""Urgent routes: the emergency answer first, whatever else was going on."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import clear_form_slots
from actions.council import CouncilAction, profile
from actions.urgent_routes import URGENT_INTENTS


class ActionUrgentRoute(CouncilAction):
    """Answer homelessness tonight, safeguarding and danger with the emergency route.

    It calls no council system, so it works when every backend is down, and it ends any
    form so the resident is not asked for a postcode straight after "call 999".
    """

    def name(self) -> str:
        """Action name used in rules."""
        return "action_urgent_route"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the urgent response for the latest intent."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in URGENT_INTENTS:
            intent = "immediate_danger"
        council = profile()
        dispatcher.utter_message(
            response=f"utter_{intent}",
            link=council.link(intent),
            council_phone=council.phone,
            council_phone_hours=council.phone_hours,
            out_of_hours_phone=council.out_of_hours_phone,
        )
        if tracker.active_loop_name:
            return [ActiveLoop(None), *clear_form_slots()]
        return []
