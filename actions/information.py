"""Information answers: words from the domain (utter_info_<intent>), links from the council profile."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.council import CouncilAction, profile
from actions.directory_answers import hand_over_to_a_more_specific_service

# Intents answered from content alone; each has a response utter_info_<intent>.
INFORMATION_INTENTS = (
    "bulky_waste_collection",
    "garden_waste_subscription",
    "noise_complaint",
    "council_tax_pay",
    "council_tax_discount",
    "council_tax_moving",
    "parking_permit",
    "parking_fine",
    "library_renew",
    "housing_repair",
    "housing_apply",
    "register_to_vote",
    "school_term_dates",
    "register_death",
)


def page_topic(tracker: Tracker) -> str | None:
    """The information intent whose council page the resident wrote from (the widget sends the page).

    Pages are matched by path against the profile's links, since the widget's host page was already checked
    to be one of the council's sites; "how much is it?" on the garden waste page is then about garden waste.
    """
    page = ((tracker.latest_message or {}).get("metadata") or {}).get("page") or {}
    path = urlsplit(page.get("url") or "").path.rstrip("/")
    if not path:
        return None
    council = profile()
    return next((intent for intent in INFORMATION_INTENTS
                 if intent in council.links and urlsplit(council.links[intent]).path.rstrip("/") == path), None)


def utter_information(dispatcher: CollectingDispatcher, intent: str) -> None:
    """Utter utter_info_<intent> with the council's page, phone and emergency phone."""
    council = profile()
    dispatcher.utter_message(
        response=f"utter_info_{intent}",
        link=council.link(intent),
        council_phone=council.phone,
        emergency_phone=council.housing_repairs_emergency_phone,
    )


class ActionCouncilInformation(CouncilAction):
    """Answer an information intent with its response and the council's page for it."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_council_information"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter utter_info_<intent> (or the A to Z's more specific service), or help when it has no answer."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in INFORMATION_INTENTS:
            dispatcher.utter_message(response="utter_help")
            return []
        specific = hand_over_to_a_more_specific_service(tracker, intent)
        if specific is not None:
            return specific
        utter_information(dispatcher, intent)
        return []

