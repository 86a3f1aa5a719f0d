"""Streets and environment: problems reported through Open311, and the status of a report."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.contact import AskContactDetails, parse_contact, validate_contact
from actions.council import (
    CouncilAction,
    CouncilFormValidationAction,
    connectors,
    idempotency_key,
    latest_text,
    profile,
    say_service_unavailable,
    spoken_reference,
)
from connectors.errors import NotFound, Rejected, ServiceUnavailable

PROBLEM_NAMES = {
    "pothole": "pothole",
    "fly_tipping": "fly-tipping",
    "street_light": "street light fault",
    "graffiti": "graffiti",
    "dog_fouling": "dog fouling",
    "abandoned_vehicle": "abandoned vehicle",
    "overgrown_vegetation": "overgrown trees or hedges",
}
REPORT_SLOTS = ("problem_type", "location", "problem_description", "contact_details", "confirm_problem_report")
REPORT_REFERENCE_RE = re.compile(r"\b\d{4,10}\b")
SYNONYMS_FILE = Path(__file__).resolve().parent.parent / "nlu_data" / "synonyms.yml"


@cache
def problem_words() -> list[tuple[str, str]]:
    """Residents' words for each problem type, longest first, from the NLU synonyms (their one home)."""
    words = [(name.replace("_", " "), name) for name in PROBLEM_NAMES]
    for entry in yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8")).get("nlu") or []:
        if entry.get("synonym") in PROBLEM_NAMES:
            words += [(line[2:].strip().lower(), entry["synonym"]) for line in entry["examples"].splitlines()
                      if line.startswith("- ")]
    return sorted(words, key=lambda pair: -len(pair[0]))


def problem_type_in(text: str) -> str | None:
    """The problem type a phrase names ("street light broken" -> street_light), or None."""
    said = " ".join(re.sub(r"[^a-z0-9' -]", " ", text.lower()).split())
    for words, problem_type in problem_words():
        if re.search(rf"\b{re.escape(words)}\b", said):
            return problem_type
    return None


class ValidateProblemReportForm(CouncilFormValidationAction):
    """A report needs a known problem type, a place, a description and the resident's contact choice."""

    def name(self) -> str:
        """Validation action for problem_report_form."""
        return "validate_problem_report_form"

    async def extract_problem_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Residents' words for a problem ("street light broken") when the model found no problem_type entity."""
        if tracker.get_slot("problem_type") or any(
            e.get("entity") == "problem_type" for e in (tracker.latest_message or {}).get("entities") or []
        ):
            return {}
        found = problem_type_in(latest_text(tracker))
        return {"problem_type": found} if found else {}

    async def validate_problem_type(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Only problem types this council takes through Open311; residents' words are mapped to them.

        Nothing is uttered for an unknown type: the form asks its question once, not twice.
        """
        codes = profile().service_codes
        if slot_value in codes:
            return {"problem_type": slot_value}
        found = problem_type_in(str(slot_value or "")) or problem_type_in(latest_text(tracker))
        if found not in codes:  # a word the model took for a type ("tags") never undoes the type already given
            found = next((value for value in _earlier_values(tracker, "problem_type") if value in codes), None)
        return {"problem_type": found}

    async def validate_location(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A street or landmark: between 3 and 200 characters."""
        location = " ".join(str(slot_value or "").split())
        if not 3 <= len(location) <= 200:
            return {"location": None}
        return {"location": location}

    async def validate_problem_description(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Enough words for the crew to act on, short enough for the Open311 system."""
        description = " ".join(str(slot_value or "").split())
        if len(description) < 5:
            dispatcher.utter_message(response="utter_description_too_short")
            return {"problem_description": None}
        if len(description) > 1000:
            dispatcher.utter_message(response="utter_description_too_long")
            return {"problem_description": None}
        return {"problem_description": description}

    async def validate_contact_details(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An email address or phone number, or "none"."""
        return await validate_contact(slot_value, dispatcher, tracker)


def _earlier_values(tracker: Tracker, slot: str) -> list[Any]:
    """Values a slot held before the resident's latest message, latest first."""
    values, seen_user = [], False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            values.append(event.get("value"))
    return values


class ActionAskContactDetails(AskContactDetails):
    """The report form's contact question; after a bare "yes" it asks for the email or phone number."""

    question = "utter_ask_contact_details"

    def name(self) -> str:
        """Rasa calls action_ask_<slot> when problem_report_form requests contact_details."""
        return "action_ask_contact_details"


class ActionAskConfirmProblemReport(CouncilAction):
    """Read the report back before it is sent."""

    def name(self) -> str:
        """Rasa calls action_ask_<slot> when the form requests the confirmation."""
        return "action_ask_confirm_problem_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask to confirm type, place and description."""
        dispatcher.utter_message(
            response="utter_confirm_problem_report",
            problem_name=PROBLEM_NAMES.get(tracker.get_slot("problem_type") or "", "problem"),
            location=tracker.get_slot("location"),
            problem_description=tracker.get_slot("problem_description"),
        )
        return []


class ActionSubmitProblemReport(CouncilAction):
    """Create an Open311 service request for a confirmed report."""

    def name(self) -> str:
        """Run when problem_report_form is complete."""
        return "action_submit_problem_report"

    def failure_events(self, tracker: Tracker) -> list[EventType]:
        """Forget the report, as after any answer, so a later report starts afresh."""
        return [SlotSet(slot, None) for slot in REPORT_SLOTS]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Send the report and give the service request id as the reference."""
        reset = [SlotSet(slot, None) for slot in REPORT_SLOTS]
        problem_type = tracker.get_slot("problem_type")
        if not problem_type:
            return reset
        if tracker.get_slot("confirm_problem_report") is not True:
            dispatcher.utter_message(response="utter_problem_not_sent")
            return reset
        contact = parse_contact(str(tracker.get_slot("contact_details") or "none")) or {}
        report = {
            "service_code": profile().service_codes[problem_type],
            "description": tracker.get_slot("problem_description"),
            "address_string": tracker.get_slot("location"),
            "email": contact.get("email"),
            "phone": contact.get("phone"),
        }
        try:
            receipt = connectors().open311.create_request(
                **report, idempotency_key=idempotency_key(tracker, "report", report)
            )
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "street reporting")
            return reset
        except (Rejected, NotFound) as refusal:
            dispatcher.utter_message(
                response="utter_problem_rejected", reason=getattr(refusal, "message", None) or str(refusal)
            )
            return reset
        reference = receipt.service_request_id or receipt.token or ""
        dispatcher.utter_message(
            response="utter_problem_reported",
            reference=reference,
            reference_spoken=spoken_reference(reference),
            notice=f"{receipt.service_notice} " if receipt.service_notice else "",
        )
        return reset


class ValidateReportStatusForm(CouncilFormValidationAction):
    """A status check needs a street report reference (an Open311 service request id)."""

    def name(self) -> str:
        """Validation action for report_status_form."""
        return "validate_report_status_form"

    async def validate_reference(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Report references are numbers."""
        raw = str(slot_value or "").strip()
        found = REPORT_REFERENCE_RE.search(raw)
        if found and "/" not in raw:
            return {"reference": found.group(0)}
        dispatcher.utter_message(response="utter_reference_invalid", reference=raw[:40])
        return {"reference": None}


class ActionReportStatus(CouncilAction):
    """Read a report's status back from the Open311 server."""

    def name(self) -> str:
        """Run when report_status_form is complete."""
        return "action_report_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Tell status, notes and when it was last updated."""
        reference = tracker.get_slot("reference")
        if not reference:
            return []
        return tell_report_status(dispatcher, reference)


def tell_report_status(dispatcher: CollectingDispatcher, reference: str) -> list[EventType]:
    """Read a report's status back from the Open311 server (also used when a bare reference is routed)."""
    try:
        request = connectors().open311.get_request(reference)
    except ServiceUnavailable:
        say_service_unavailable(dispatcher, "street reporting")
        return [SlotSet("reference", None)]
    except NotFound:
        dispatcher.utter_message(response="utter_report_not_found", reference=reference)
        return [SlotSet("reference", None)]
    updated = request.updated_datetime or request.requested_datetime
    dispatcher.utter_message(
        response="utter_report_status",
        reference=reference,
        reference_spoken=spoken_reference(reference),
        service_name=(request.service_name or "report").lower(),
        address=request.address or "the location given",
        status=request.status,
        status_notes=request.status_notes or "",
        updated=f"{updated:%A} {updated.day} {updated:%B %Y}" if updated else "recently",
    )
    return [SlotSet("reference", None)]
