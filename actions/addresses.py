"""Finding the resident's property (postcode, then an address): shared by every form that needs a UPRN."""

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
    normalise_postcode,
    profile,
    say_service_unavailable,
)
from connectors.errors import NotFound, Rejected, ServiceUnavailable

ORDINALS = {
    "first": 1, "1st": 1, "one": 1,
    "second": 2, "2nd": 2, "two": 2,
    "third": 3, "3rd": 3, "three": 3,
    "fourth": 4, "4th": 4, "four": 4,
    "fifth": 5, "5th": 5, "five": 5,
    "sixth": 6, "6th": 6, "six": 6,
    "seventh": 7, "7th": 7, "seven": 7,
    "eighth": 8, "8th": 8, "eight": 8,
    "last": -1,
}  # fmt: skip


def match_address(text: str, options: list[dict[str, str]]) -> dict[str, str] | None:
    """Match what a resident typed ("number 5", "flat 3", "the second one", "7 mill lane") to one option.

    A house or flat number wins over a position in the list, because residents know
    their own number; a position is used only when no address carries that number.
    """
    said = " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())
    if not said or not options:
        return None
    for option in options:
        if said == option["uprn"]:
            return option
    lowered = [(option, " ".join(re.sub(r"[^a-z0-9 ]", " ", option["address"].lower()).split())) for option in options]
    containing = [option for option, address in lowered if said in address and len(said) > 3]
    if len(containing) == 1:
        return containing[0]
    numbers = re.findall(r"\b\d+[a-z]?\b", said)
    if numbers:
        number = numbers[0]
        by_number = [
            option
            for option, address in lowered
            if re.match(rf"^(flat |apartment |unit )?{number}\b", address)
        ]
        if len(by_number) == 1:
            return by_number[0]
        if len(by_number) > 1:
            words = set(said.split()) - {number, "number", "no", "flat"}
            narrowed = [o for o, a in lowered if o in by_number and words and words <= set(a.split())]
            if len(narrowed) == 1:
                return narrowed[0]
            return None
        position = int(re.sub(r"\D", "", number))
        if 1 <= position <= len(options):
            return options[position - 1]
        return None
    for word in said.split():
        if word in ORDINALS:
            position = ORDINALS[word]
            if position == -1:
                return options[-1]
            return options[position - 1] if position <= len(options) else None
    return None


class AddressFormValidation(CouncilFormValidationAction):
    """Validation of ``postcode`` and ``uprn`` for any form that needs the resident's property."""

    @abstractmethod
    def name(self) -> str:
        """Each concrete form validation action has its own name."""

    async def validate_postcode(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a postcode that has addresses here; keep the list for the address question."""
        raw = slot_value if isinstance(slot_value, str) else ""
        postcode = normalise_postcode(raw)
        if postcode is None:
            dispatcher.utter_message(response="utter_postcode_invalid", postcode=raw[:20])
            return {"postcode": None}
        try:
            found = connectors().addresses.find_by_postcode(postcode)
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "address")
            return {"postcode": None, "requested_slot": None}
        except (Rejected, NotFound):
            found = []
        if not found:
            dispatcher.utter_message(
                response="utter_postcode_not_found", postcode=postcode, council_name=profile().name
            )
            return {"postcode": None}
        options = [{"uprn": a.uprn, "address": a.address} for a in found]
        slots: dict[str, Any] = {"postcode": postcode, "address_options": options}
        chosen = None
        if len(options) == 1:
            chosen = options[0]
        elif tracker.get_slot("address"):
            chosen = match_address(str(tracker.get_slot("address")), options)
        if chosen:
            slots.update(uprn=chosen["uprn"], address=chosen["address"])
        elif tracker.get_slot("uprn") not in {o["uprn"] for o in options}:
            slots["uprn"] = None
        return slots

    async def validate_uprn(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a UPRN from a button, or match typed text to one of the listed addresses."""
        options = tracker.get_slot("address_options") or []
        chosen = match_address(str(slot_value or ""), options)
        if chosen is None:
            dispatcher.utter_message(response="utter_address_not_matched")
            return {"uprn": None}
        return {"uprn": chosen["uprn"], "address": chosen["address"]}


class ActionAskUprn(CouncilAction):
    """Ask which address, listing the addresses found for the postcode as buttons."""

    def name(self) -> str:
        """Rasa calls action_ask_<slot> when a form requests that slot."""
        return "action_ask_uprn"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Offer each address as a button whose payload carries its UPRN."""
        options = tracker.get_slot("address_options") or []
        buttons = [
            {"title": option["address"], "payload": f'/inform{{"uprn": "{option["uprn"]}"}}'}
            for option in options
        ]
        dispatcher.utter_message(response="utter_ask_uprn", buttons=buttons)
        return []


# Everything that depends on which property it is; "wrong address" forgets all of it.
ADDRESS_SLOTS = ("postcode", "uprn", "address", "address_options", "missed_collection_date")


class ActionResetAddress(CouncilAction):
    """Forget the address so the form asks for the postcode again ("wrong address")."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_reset_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Clear postcode, UPRN and address."""
        dispatcher.utter_message(response="utter_address_reset")
        return [SlotSet(slot, None) for slot in ADDRESS_SLOTS]
