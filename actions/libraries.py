"""Libraries: opening hours, holiday closures included (renewals are an information response)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clock
from actions.council import CouncilAction, connectors, latest_text, say_service_unavailable
from actions.directory_answers import hand_over_to_a_more_specific_service
from actions.sites import tell_site_hours
from connectors.errors import ServiceUnavailable


class ActionLibraryHours(CouncilAction):
    """Tell the named library's hours, or every library's."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_library_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Read branches from the library system and tell their hours (or the A to Z's more specific service)."""
        specific = None if tracker.get_slot("place") else hand_over_to_a_more_specific_service(
            tracker, "library_opening_hours")
        if specific is not None:
            return [*specific, SlotSet("place", None)]
        try:
            sites = connectors().libraries.libraries()
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "library")
            return [SlotSet("place", None)]
        tell_site_hours(dispatcher, sites, tracker.get_slot("place"), clock.today(), latest_text(tracker))
        return [SlotSet("place", None)]
