"""Conversation repair: cancelling a form, and questions the council does not handle."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.council import CouncilAction
from actions.information import page_topic, utter_information

# Slots a form collects; cleared when a resident cancels, so nothing half-collected leaks
# into the next request.
FORM_SLOTS = (
    "postcode",
    "uprn",
    "address",
    "address_options",
    "bin_type",
    "confirm_missed_bin",
    "missed_collection_date",
    "item",
    "problem_type",
    "location",
    "problem_description",
    "contact_details",
    "confirm_problem_report",
    "reference",
)


def clear_form_slots() -> list[EventType]:
    """Events that empty every form slot and the requested slot."""
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]


class ActionCancel(CouncilAction):
    """Leave whatever form is running, discarding what it collected."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Deactivate the form (if any) and confirm nothing was sent."""
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_cancelled")
            return [ActiveLoop(None), *clear_form_slots()]
        dispatcher.utter_message(response="utter_nothing_to_cancel")
        return []


class ActionOutOfScope(CouncilAction):
    """Say what the assistant can do and offer a person, for anything the council does not handle."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer out of scope; a form that was running is left, as the resident moved on."""
        return say_out_of_scope(dispatcher, tracker)


def say_out_of_scope(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The out-of-scope answer and the offer of a person; the events that leave a running form.

    A vague question ("how much is it?") asked from one of the council's information pages, outside a
    form, gets that page's answer instead: the A to Z's action ends here too when nothing matched.
    """
    topic = None if tracker.active_loop_name else page_topic(tracker)
    if topic:
        utter_information(dispatcher, topic)
        return []
    dispatcher.utter_message(response="utter_out_of_scope")
    if tracker.active_loop_name:
        return [ActiveLoop(None), *clear_form_slots()]
    return []
