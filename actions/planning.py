"""Planning: the status of an application, by its reference."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.council import CouncilAction, CouncilFormValidationAction, connectors, profile, say_service_unavailable
from connectors.errors import NotFound, Rejected, ServiceUnavailable

PLANNING_REFERENCE_RE = re.compile(r"\b(\d{2})\s*/\s*(\d{4,5})\s*/\s*([A-Za-z]{2,4})\b")


def normalise_planning_reference(text: str) -> str | None:
    """"24/01234/ful" or "24 / 01234 / FUL" -> "24/01234/FUL"; None when there is no reference."""
    match = PLANNING_REFERENCE_RE.search(text or "")
    return f"{match.group(1)}/{match.group(2)}/{match.group(3).upper()}" if match else None


class ValidatePlanningForm(CouncilFormValidationAction):
    """A planning check needs a reference in the council's format."""

    def name(self) -> str:
        """Validation action for planning_form."""
        return "validate_planning_form"

    async def validate_reference(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept references like 24/01234/FUL."""
        reference = normalise_planning_reference(str(slot_value or ""))
        if reference:
            return {"reference": reference}
        dispatcher.utter_message(response="utter_planning_reference_invalid", reference=str(slot_value or "")[:40])
        return {"reference": None}


class ActionPlanningStatus(CouncilAction):
    """Read an application's status and decision from the planning system."""

    def name(self) -> str:
        """Run when planning_form is complete."""
        return "action_planning_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Tell status, and decision when there is one."""
        reference = tracker.get_slot("reference")
        if not reference:
            return []
        return tell_planning_status(dispatcher, reference)


def tell_planning_status(dispatcher: CollectingDispatcher, reference: str) -> list[EventType]:
    """Tell an application's status and decision (also used when a bare reference is routed)."""
    try:
        application = connectors().planning.application(reference)
    except ServiceUnavailable:
        say_service_unavailable(dispatcher, "planning")
        return [SlotSet("reference", None)]
    except (NotFound, Rejected):
        dispatcher.utter_message(
            response="utter_planning_not_found", reference=reference, link=profile().link("planning_application")
        )
        return [SlotSet("reference", None)]
    decision = f" Decision: {application.decision.replace('_', ' ')}." if application.decision else ""
    if not application.decision and application.decision_due:
        due = application.decision_due
        decision = f" A decision is due by {due:%A} {due.day} {due:%B %Y}."
    dispatcher.utter_message(
        response="utter_planning_status",
        reference=application.reference,
        address=application.address,
        proposal=application.proposal,
        status=application.status.replace("_", " "),
        decision=decision,
        url=application.url or profile().link("planning_application"),
    )
    return [SlotSet("reference", None)]
