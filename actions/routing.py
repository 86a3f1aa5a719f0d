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

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import tell_contact_point
from actions.conversation import ActionOutOfScope
from actions.council import CouncilAction, profile
from actions.information import utter_information
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


def task_for(entities: dict[str, str]) -> str:
    """The task a bare value names, by the first kind of entity that names one (the router's one decision).

    A catalogue intent, or ``<topic>_menu`` for a question with buttons, or ``service_directory``.
    """
    if "problem_type" in entities:
        return "report_problem"
    if "reference" in entities:
        return reference_task(entities["reference"])
    if "item" in entities:
        return "what_goes_in_bin"
    if "place" in entities:
        return "library_opening_hours" if "library" in entities["place"].lower() else "recycling_centre_hours"
    if "bin_type" in entities:
        return "bin_menu"
    if "postcode" in entities or "address" in entities:
        return "property_menu"
    if "permit_type" in entities:
        return "service_directory" if entities["permit_type"] == "blue_badge" else "parking_permit"
    if "repair_type" in entities:
        return "housing_repair"
    if "department" in entities:
        department = entities["department"]
        if department in TOPIC_MENUS:
            return f"{department}_menu"
        return "library_opening_hours" if department == "libraries" else "contact_council"
    if "location" in entities:
        return "location_menu"
    return "service_directory"


def reference_task(reference: str) -> str:
    """A reference's task by its shape (docs/CONTRACTS.md `reference`)."""
    raw = reference.strip().upper()
    if normalise_planning_reference(raw):
        return "planning_application"
    if PCN_RE.match(raw.replace(" ", "")):
        return "parking_fine"
    if raw.split("-")[0] in REFERENCE_PREFIX_DEPARTMENTS:
        return "contact_council"
    return "report_status" if REPORT_REFERENCE_RE.search(raw) else "invalid_reference"


class ActionRouteInform(CouncilAction):
    """Do what a bare value asks for when no question was asked, by what it names."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_route_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Carry on the task just answered, or do the task the value names (task_for)."""
        entities = latest_entities(tracker)
        follow_up = await self._follow_up(dispatcher, tracker, domain, entities)
        if follow_up is not None:
            return follow_up
        task = task_for(entities)
        if task == "report_problem":
            return [FollowupAction("problem_report_form")]
        if "reference" in entities:
            return self._reference(dispatcher, entities["reference"], task)
        if task == "what_goes_in_bin":
            return await ActionWhatGoesInBin().run(dispatcher, tracker, domain)
        if task == "library_opening_hours":
            events = await ActionLibraryHours().run(dispatcher, tracker, domain)
            return [*events, SlotSet("department", None)]
        if task == "recycling_centre_hours":
            return await ActionRecyclingCentreHours().run(dispatcher, tracker, domain)
        if task == "bin_menu":
            return self._bin(dispatcher, entities["bin_type"])
        if task == "property_menu":
            return self._property(dispatcher, entities)
        if task == "parking_permit":
            utter_information(dispatcher, "parking_permit")
            return [SlotSet("permit_type", None)]
        if task == "housing_repair":
            utter_information(dispatcher, "housing_repair")
            return [SlotSet("repair_type", None)]
        if task.endswith("_menu") and task != "location_menu":
            dispatcher.utter_message(response=TOPIC_MENUS[task[: -len("_menu")]])
            return [SlotSet("department", None)]
        if task == "contact_council":
            tell_contact_point(dispatcher, entities["department"])
            return [SlotSet("department", None)]
        if task == "location_menu":
            dispatcher.utter_message(response="utter_topic_location", location=entities["location"])
            return []
        if task == "service_directory" and "permit_type" in entities and DIRECTORY_ACTION not in domain.get(
            "actions", []
        ):
            utter_information(dispatcher, "parking_permit")  # blue badges are on the permits page until the A to Z
            return [SlotSet("permit_type", None)]
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
    def _reference(dispatcher: CollectingDispatcher, reference: str, task: str) -> list[EventType]:
        """A reference answered by its shape: a planning application, a fine, a report, or a contact point."""
        raw = reference.strip().upper()
        if task == "planning_application":
            return tell_planning_status(dispatcher, normalise_planning_reference(raw) or raw)
        if task == "parking_fine":
            utter_information(dispatcher, "parking_fine")
        elif task == "contact_council":
            tell_contact_point(dispatcher, REFERENCE_PREFIX_DEPARTMENTS[raw.split("-")[0]])
        elif task == "report_status":
            return tell_report_status(dispatcher, REPORT_REFERENCE_RE.search(raw).group(0))
        else:
            dispatcher.utter_message(response="utter_reference_invalid", reference=reference[:40])
        return [SlotSet("reference", None)]

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
