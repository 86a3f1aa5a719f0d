"""Routing a message that names a thing but no task ("pothole", "blue bin", "FB1 2AA", "council tax").

Such a message is ``inform`` with no form question open. It never gets a bare "Thanks": the action starts the
task the thing implies, carries on the task just answered with the new value ("what about glass?" after a bin
day), asks one question with buttons for the topic's tasks (````utter_topic_...`` in bot/domain/routing.yml), or
hands the message to the council's A to Z. Lookups reuse the other actions' functions; a form is started with
FollowupAction so the form validates what was given.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import tell_contact_point
from actions.conversation import ActionOutOfScope
from actions.council import profile
from actions.information import say_information
from actions.libraries import ActionLibraryHours
from actions.planning import normalise_planning_reference, tell_planning_status
from actions.streets import REPORT_REFERENCE_RE, tell_report_status
from actions.waste import ActionRecyclingCentreHours, ActionTellBinDay, ActionWhatGoesInBin

# The A to Z's action (shared contract); used only when the domain has it, else the out-of-scope answer.
DIRECTORY_ACTION = "action_service_directory"
PCN_RE = re.compile(r"^[A-Z]{2}\d{8}$")
# Departments whose residents' words name a topic with several tasks: the menu of its tasks.
TOPIC_MENUS = {
    "council_tax": "utter_topic_council_tax",
    "waste": "utter_topic_waste",
    "housing": "utter_topic_housing",
    "parking": "utter_topic_parking",
    "planning": "utter_topic_planning",
    "streets": "utter_topic_streets",
}
# Department a reference's prefix belongs to, for the contact point ("MB-000123" is a missed-bin report).
REFERENCE_PREFIX_DEPARTMENTS = {"MB": "waste", "CC": "general"}
ROUTINE_ACTIONS = ("action_listen", "action_extract_slots", "action_session_start")


def latest_entities(tracker: Tracker) -> dict[str, str]:
    """The entities of the resident's latest message, canonical values, first of each name."""
    found: dict[str, str] = {}
    for entity in (tracker.latest_message or {}).get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and value is not None and name not in found:
            found[name] = str(value)
    return found


def previous_action(tracker: Tracker) -> str | None:
    """The assistant's last action before the resident's latest message (what it had just answered)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in ROUTINE_ACTIONS:
            return event.get("name")
    return None


class ActionRouteInform(Action):
    """Do what a bare value asks for when no question was asked, by what it names."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_route_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Route by the first kind of entity that names a task, or hand over to the A to Z."""
        entities = latest_entities(tracker)
        follow_up = await self._follow_up(dispatcher, tracker, domain, entities)
        if follow_up is not None:
            return follow_up
        if "problem_type" in entities:
            return [FollowupAction("problem_report_form")]
        if "reference" in entities:
            return self._reference(dispatcher, entities["reference"])
        if "item" in entities:
            return await ActionWhatGoesInBin().run(dispatcher, tracker, domain)
        if "place" in entities:
            return await self._place(dispatcher, tracker, domain, entities["place"])
        if "bin_type" in entities:
            return self._bin(dispatcher, entities["bin_type"])
        if "postcode" in entities or "address" in entities:
            return self._property(dispatcher, entities)
        if "permit_type" in entities:
            if entities["permit_type"] == "blue_badge" and DIRECTORY_ACTION in domain.get("actions", []):
                return [FollowupAction(DIRECTORY_ACTION)]
            say_information(dispatcher, "parking_permit")
            return [SlotSet("permit_type", None)]
        if "repair_type" in entities:
            say_information(dispatcher, "housing_repair")
            return [SlotSet("repair_type", None)]
        if "department" in entities:
            return await self._department(dispatcher, tracker, domain, entities["department"])
        if "location" in entities:
            dispatcher.utter_message(response="utter_topic_location", location=entities["location"])
            return []
        return await self.hand_over(dispatcher, tracker, domain)

    @staticmethod
    async def hand_over(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Nothing usable: the council's A to Z answers it when the assistant has one, else out of scope."""
        if DIRECTORY_ACTION in domain.get("actions", []):
            return [FollowupAction(DIRECTORY_ACTION)]
        return await ActionOutOfScope().run(dispatcher, tracker, domain)

    @staticmethod
    async def _follow_up(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], entities: dict[str, str]
    ) -> list[EventType] | None:
        """A new value for the task just answered ("what about glass?" after a bin day) repeats that task."""
        previous = previous_action(tracker)
        if previous == "action_tell_bin_day" and "bin_type" in entities and tracker.get_slot("uprn"):
            return await ActionTellBinDay().run(dispatcher, tracker, domain)
        if previous == "action_what_goes_in_bin" and "item" in entities:
            return await ActionWhatGoesInBin().run(dispatcher, tracker, domain)
        return None

    @staticmethod
    def _reference(dispatcher: CollectingDispatcher, reference: str) -> list[EventType]:
        """A reference is routed by its shape (docs/CONTRACTS.md `reference`)."""
        raw = reference.strip().upper()
        planning = normalise_planning_reference(raw)
        if planning:
            return tell_planning_status(dispatcher, planning)
        if PCN_RE.match(raw.replace(" ", "")):
            say_information(dispatcher, "parking_fine")
            return [SlotSet("reference", None)]
        prefix = raw.split("-")[0]
        if prefix in REFERENCE_PREFIX_DEPARTMENTS:
            tell_contact_point(dispatcher, REFERENCE_PREFIX_DEPARTMENTS[prefix])
            return [SlotSet("reference", None)]
        report = REPORT_REFERENCE_RE.search(raw)
        if report:
            return tell_report_status(dispatcher, report.group(0))
        dispatcher.utter_message(response="utter_reference_invalid", reference=reference[:40])
        return [SlotSet("reference", None)]

    @staticmethod
    async def _place(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], place: str
    ) -> list[EventType]:
        """A library or a recycling centre: its opening hours."""
        if "library" in place.lower():
            return await ActionLibraryHours().run(dispatcher, tracker, domain)
        return await ActionRecyclingCentreHours().run(dispatcher, tracker, domain)

    @staticmethod
    def _bin(dispatcher: CollectingDispatcher, bin_type: str) -> list[EventType]:
        """A bin: what to do about it, as buttons that carry the bin."""
        response = "utter_topic_garden_bin" if bin_type == "garden" else "utter_topic_bin"
        dispatcher.utter_message(response=response, bin_type=bin_type, bin_name=profile().bin_name(bin_type))
        return []

    @staticmethod
    def _property(dispatcher: CollectingDispatcher, entities: dict[str, str]) -> list[EventType]:
        """A postcode or an address alone: what to do for that property."""
        postcode = entities.get("postcode")
        if postcode:
            dispatcher.utter_message(response="utter_topic_property", property=postcode, postcode=postcode)
        else:
            dispatcher.utter_message(response="utter_topic_address", property=entities["address"])
        return []

    @staticmethod
    async def _department(
        dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any], department: str
    ) -> list[EventType]:
        """A department: its tasks as buttons, library hours for libraries, else its contact point."""
        if department in TOPIC_MENUS:
            dispatcher.utter_message(response=TOPIC_MENUS[department])
        elif department == "libraries":
            await ActionLibraryHours().run(dispatcher, tracker, domain)
        else:
            tell_contact_point(dispatcher, department)
        return [SlotSet("department", None)]
