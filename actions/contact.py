"""Contacting the council, and handing a conversation over to a person as a contact-centre case."""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.council import (
    CouncilAction,
    CouncilFormValidationAction,
    connectors,
    idempotency_key,
    profile,
    say_service_unavailable,
    spoken_reference,
)
from actions.directory_answers import hand_over_to_a_more_specific_service
from connectors.errors import NotFound, Rejected, ServiceUnavailable
from privacy.redaction import redact

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# UK numbers: 07xxx xxxxxx, 01632 960000, +44 7700 900123
PHONE_RE = re.compile(r"(?:\+44\s?|0)(?:\d\s?){9,10}")
NO_CONTACT = "none"


def parse_contact(text: str) -> dict[str, str] | None:
    """Find an email address or UK phone number in what the resident typed; None when there is neither."""
    if text.strip().lower() == NO_CONTACT:
        return {}
    contact: dict[str, str] = {}
    email = EMAIL_RE.search(text)
    if email:
        contact["email"] = email.group(0)
    phone = PHONE_RE.search(text.replace("-", " ").replace("(", "").replace(")", ""))
    if phone:
        contact["phone"] = re.sub(r"\s", "", phone.group(0))
    return contact or None


def said_yes(tracker: Tracker | None) -> bool:
    """Whether the resident's latest message was a bare "yes" (to "would you like updates?")."""
    return bool(tracker) and (tracker.latest_message.get("intent") or {}).get("name") == "affirm"


async def validate_contact(
    slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker | None = None
) -> dict[str, Any]:
    """Shared rule for contact details: an email or phone number, or "none" when the resident said no.

    A bare "yes" is not invalid: the question is asked again as "which email or number?" (AskContactDetails).
    """
    text = str(slot_value or "")
    if parse_contact(text) is None:
        if not said_yes(tracker):
            dispatcher.utter_message(response="utter_contact_details_invalid")
        return {"contact_details": None}
    return {"contact_details": text.strip()[:200]}


class AskContactDetails(CouncilAction):
    """Ask for contact details; after a bare "yes" to the question, ask for the email or number itself."""

    question: str  # the form's own question, by response name

    @abstractmethod
    def name(self) -> str:
        """Each form's ask action has its own name (action_ask_[<form>_]contact_details)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Utter the form's question, or the follow-up after "yes"."""
        asked_again = said_yes(tracker) and _last_requested_slot(tracker) == "contact_details"
        dispatcher.utter_message(response="utter_ask_contact_details_after_yes" if asked_again else self.question)
        return []


def _last_requested_slot(tracker: Tracker) -> str | None:
    """The slot a form had asked for when the resident's latest message came in."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "requested_slot":
            return event.get("value")
    return None


class ActionAskHandoverFormContactDetails(AskContactDetails):
    """The handover form's contact question."""

    question = "utter_ask_handover_form_contact_details"

    def name(self) -> str:
        """Rasa calls action_ask_<form>_<slot> before utter_ask_<form>_<slot>."""
        return "action_ask_handover_form_contact_details"


class ActionContactCouncil(CouncilAction):
    """Phone numbers, emails and opening times, for one department or the council as a whole."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_contact_council"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Tell the contact point, then the out-of-hours number; no department named: the A to Z may know better."""
        department = tracker.get_slot("department")
        specific = None if department else hand_over_to_a_more_specific_service(tracker, "contact_council")
        if specific is not None:
            return specific
        tell_contact_point(dispatcher, department or "general")
        return [SlotSet("department", None)]


def tell_contact_point(dispatcher: CollectingDispatcher, department: str) -> None:
    """A department's phone, hours and email, then the out-of-hours number (also used by routing)."""
    council = profile()
    try:
        try:
            points = connectors().contacts.contacts(department)
        except Rejected:  # a department the council's system does not know: its general contact point
            points = []
        if not points and department != "general":
            points = connectors().contacts.contacts("general")
    except (ServiceUnavailable, NotFound, Rejected):
        points = []
    if points:
        point = points[0]
        dispatcher.utter_message(
            response="utter_contact_point",
            name=point.name,
            phone=point.phone,
            hours=point.hours,
            email=point.email or "",
            url=point.url or council.link("contact_council"),
        )
    else:  # the council's own numbers are in the profile, so this answer survives an outage
        dispatcher.utter_message(
            response="utter_contact_point",
            name=council.name,
            phone=council.phone,
            hours=council.phone_hours,
            email="",
            url=council.link("contact_council"),
        )
    dispatcher.utter_message(response="utter_contact_out_of_hours", out_of_hours_phone=council.out_of_hours_phone)


class ValidateHandoverForm(CouncilFormValidationAction):
    """A handover needs a way to reach the resident, or their choice not to give one."""

    def name(self) -> str:
        """Validation action for handover_form."""
        return "validate_handover_form"

    async def validate_contact_details(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept an email address or phone number, or "none"."""
        return await validate_contact(slot_value, dispatcher, tracker)


def transcript_summary(tracker: Tracker, limit: int = 6) -> str:
    """The resident's last few messages, personal data masked, so the contact centre knows why they are calling.

    The case carries its own contact details (email, phone); the words go through the same redaction as the
    staff console's transcripts, and the full conversation stays behind its link.
    """
    said = [(e.get("text"), (e.get("parse_data") or {}).get("entities")) for e in tracker.events
            if e.get("event") == "user" and e.get("text") and not e["text"].startswith("/")][-limit:]
    return " | ".join(redact(text, entities)[:300] for text, entities in said) or "Asked to speak to a person"


class ActionCreateCase(CouncilAction):
    """Open a contact-centre case (POST /cases) carrying a link to this conversation."""

    def name(self) -> str:
        """Run when handover_form is complete."""
        return "action_create_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Create the case and give its reference; on failure, give the phone number instead."""
        council = profile()
        contact = parse_contact(str(tracker.get_slot("contact_details") or NO_CONTACT)) or {}
        transcript_url = f"{council.transcript_base_url.rstrip('/')}/{tracker.sender_id}"
        # Who to call back, and how: the same again in this conversation is the same case, not a second one.
        callback = {
            "channel": tracker.get_latest_input_channel() or "unknown",
            "email": contact.get("email"),
            "phone": contact.get("phone"),
        }
        try:
            receipt = connectors().cases.create_case(
                reason=transcript_summary(tracker),
                conversation_id=tracker.sender_id,
                transcript_url=transcript_url,
                idempotency_key=idempotency_key(tracker, "case", callback),
                **callback,
            )
        except (ServiceUnavailable, Rejected, NotFound):
            say_service_unavailable(dispatcher, "contact centre")
            return [SlotSet("contact_details", None)]
        dispatcher.utter_message(
            response="utter_case_created",
            reference=receipt.reference,
            reference_spoken=spoken_reference(receipt.reference),
            expected_response=receipt.expected_response or "",
        )
        dispatcher.utter_message(
            response="utter_case_call_us",
            council_name=council.name,
            council_phone=council.phone,
            council_phone_hours=council.phone_hours,
        )
        return [SlotSet("contact_details", None)]
