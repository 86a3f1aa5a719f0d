"""Waste and recycling: bin days, missed bins, the recycling A to Z and recycling centres."""

from __future__ import annotations

from datetime import date
from typing import Any

import inflect
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clock
from actions.addresses import AddressFormValidation
from actions.council import (
    CouncilAction,
    CouncilFormValidationAction,
    connectors,
    friendly_date,
    latest_text,
    profile,
    say_service_unavailable,
    spoken_reference,
)
from actions.sites import tell_site_hours
from connectors.errors import NotFound, Rejected, ServiceUnavailable

MAX_ITEM_LENGTH = 100
# What a missed-bin report collects beyond the address; forgotten once the report is answered.
MISSED_BIN_SLOTS = ("bin_type", "confirm_missed_bin", "missed_collection_date")
# The waste system's `missed_report` states that refuse a report, and the response that says why.
MISSED_REPORT_REFUSALS = {"too_late": "utter_missed_bin_too_late", "not_over": "utter_missed_bin_not_over"}
_NOUNS = inflect.engine()


def is_plural(name: str) -> bool:
    """Whether an item's name is plural ("Pizza boxes", "Batteries"), so its sentence agrees in number.

    inflect knows irregular plurals; words ending in -ss, -us or -is ("glass", "asbestos") are singular.
    """
    words = name.split(" (")[0].split()
    if not words:
        return False
    last = words[-1].lower()
    if last.endswith(("ss", "us", "is", "os")):
        return False
    return bool(_NOUNS.singular_noun(last))


class ValidateBinDayForm(AddressFormValidation):
    """Bin day needs only the property."""

    def name(self) -> str:
        """Validation action for bin_day_form."""
        return "validate_bin_day_form"


class ValidateMissedBinForm(AddressFormValidation):
    """A missed bin needs the property and a bin that is collected there."""

    def name(self) -> str:
        """Validation action for missed_bin_form."""
        return "validate_missed_bin_form"

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Once both the property and the bin are known, in whatever order, check the bin is collected there."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        slots = {**tracker.current_slot_values()}
        slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        uprn, bin_type = slots.get("uprn"), slots.get("bin_type")
        if not (uprn and bin_type) or slots.get("missed_collection_date"):
            return events
        try:
            collections = connectors().waste.collections(uprn)
        except (ServiceUnavailable, NotFound):
            say_service_unavailable(dispatcher, "waste collection")
            return [*events, SlotSet("bin_type", None), SlotSet("requested_slot", None)]
        council = profile()
        for collection in collections:
            if collection.bin_type != bin_type:
                continue
            refusal = MISSED_REPORT_REFUSALS.get(collection.missed_report or "")
            if refusal and collection.last_collection:
                # the council's rule says no: tell the resident now rather than after they confirm
                dispatcher.utter_message(
                    response=refusal,
                    bin_name=council.bin_name(str(bin_type)),
                    collection_date=friendly_date(collection.last_collection),
                    next_collection=friendly_date(collection.next_collection),
                )
                return [*events, SlotSet("bin_type", None), SlotSet("requested_slot", None)]
            return [*events, SlotSet("missed_collection_date", collection.last_collection.isoformat())]
        dispatcher.utter_message(
            response="utter_no_such_bin",
            address=slots.get("address"),
            bin_name=council.bin_name(str(bin_type)),
            bins=", ".join(council.bin_name(c.bin_type) for c in collections) or "none",
        )
        return [*events, SlotSet("bin_type", None)]


class ActionAskConfirmMissedBin(CouncilAction):
    """Read the report back before sending it."""

    def name(self) -> str:
        """Rasa calls action_ask_<slot> when the form requests the confirmation."""
        return "action_ask_confirm_missed_bin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Ask to confirm bin, address and date."""
        when = tracker.get_slot("missed_collection_date")
        dispatcher.utter_message(
            response="utter_confirm_missed_bin",
            bin_name=profile().bin_name(tracker.get_slot("bin_type") or ""),
            address=tracker.get_slot("address"),
            collection_date=friendly_date(date.fromisoformat(when)) if when else "its last collection day",
        )
        return []


class ActionTellBinDay(CouncilAction):
    """Tell the next collection of each bin at the property."""

    def name(self) -> str:
        """Run when bin_day_form is complete."""
        return "action_tell_bin_day"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Read collections for the UPRN; only the asked-for bin when the resident named one."""
        uprn = tracker.get_slot("uprn")
        if not uprn:  # the form ended early (a system was down); the resident has been told
            return []
        address = tracker.get_slot("address")
        try:
            collections = connectors().waste.collections(uprn)
        except (ServiceUnavailable, NotFound):
            say_service_unavailable(dispatcher, "waste collection")
            return [SlotSet("bin_type", None)]
        wanted = tracker.get_slot("bin_type")
        if wanted and any(c.bin_type == wanted for c in collections):
            collections = [c for c in collections if c.bin_type == wanted]
        if not collections:
            dispatcher.utter_message(response="utter_bin_day_none", address=address)
            return [SlotSet("bin_type", None)]
        council = profile()
        collections = sorted(collections, key=lambda c: c.next_collection)
        lines = [
            f"- {council.bin_name(c.bin_type).capitalize()}: {friendly_date(c.next_collection)} ({c.frequency})"
            for c in collections
        ]
        spoken = [f"Your {council.bin_name(c.bin_type)} is next collected {friendly_date(c.next_collection)}."
                  for c in collections]
        dispatcher.utter_message(
            response="utter_bin_day",
            address=address,
            collections="\n".join(lines),
            collections_spoken=" ".join(spoken),
        )
        return [SlotSet("bin_type", None)]


class ActionSubmitMissedBin(CouncilAction):
    """Send a confirmed missed-bin report and give its reference, or the council's reason for refusing."""

    def name(self) -> str:
        """Run when missed_bin_form is complete."""
        return "action_submit_missed_bin"

    def failure_events(self, tracker: Tracker) -> list[EventType]:
        """Forget the report, as after any answer, so a later report starts afresh."""
        return [SlotSet(slot, None) for slot in MISSED_BIN_SLOTS]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Report the missed bin when confirmed."""
        reset = [SlotSet(slot, None) for slot in MISSED_BIN_SLOTS]
        uprn, bin_type = tracker.get_slot("uprn"), tracker.get_slot("bin_type")
        when = tracker.get_slot("missed_collection_date")
        if not (uprn and bin_type and when):
            return reset
        if tracker.get_slot("confirm_missed_bin") is not True:
            dispatcher.utter_message(response="utter_missed_bin_not_sent")
            return reset
        bin_name = profile().bin_name(bin_type)
        try:
            receipt = connectors().waste.report_missed(uprn, bin_type, date.fromisoformat(when))
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "waste collection")
            return reset
        except (Rejected, NotFound) as refusal:
            dispatcher.utter_message(response="utter_missed_bin_refused", reason=_reason(refusal))
            return reset
        dispatcher.utter_message(
            response="utter_missed_bin_reported",
            bin_name=bin_name,
            reference=receipt.reference,
            reference_spoken=spoken_reference(receipt.reference),
            expected_by=friendly_date(receipt.expected_by) if receipt.expected_by else "the next working day",
        )
        return reset


def _reason(error: Exception) -> str:
    return getattr(error, "message", None) or str(error)


class ValidateWhatGoesInBinForm(CouncilFormValidationAction):
    """The recycling A to Z needs the item."""

    def name(self) -> str:
        """Validation action for what_goes_in_bin_form."""
        return "validate_what_goes_in_bin_form"

    async def validate_item(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a short item name."""
        item = " ".join(str(slot_value or "").split())
        if not item or len(item) > MAX_ITEM_LENGTH:
            dispatcher.utter_message(response="utter_ask_item")
            return {"item": None}
        return {"item": item}


class ActionWhatGoesInBin(CouncilAction):
    """Say which bin an item goes in, from the council's recycling A to Z."""

    def name(self) -> str:
        """Run when what_goes_in_bin_form is complete."""
        return "action_what_goes_in_bin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Look the item up and answer with the matching response."""
        item = tracker.get_slot("item")
        if not item:
            return []
        council = profile()
        try:
            matches = connectors().waste.lookup_item(item)
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "recycling A to Z")
            return [SlotSet("item", None)]
        if not matches:
            dispatcher.utter_message(response="utter_item_unknown", item=item, link=council.link("what_goes_in_bin"))
            return [SlotSet("item", None)]
        best = matches[0]
        name = best.item[:1].upper() + best.item[1:]
        plural = is_plural(best.item)
        if best.bin_type == "recycling_centre":
            response = "utter_items_to_recycling_centre" if plural else "utter_item_to_recycling_centre"
            dispatcher.utter_message(response=response, item=name, note=best.note or "")
        elif best.bin_type == "not_accepted":
            dispatcher.utter_message(response="utter_item_not_accepted", item=name, note=best.note or "")
        else:
            dispatcher.utter_message(
                response="utter_items_in_bin" if plural else "utter_item_in_bin",
                item=name, bin_name=council.bin_name(best.bin_type), note=best.note or "",
            )
        return [SlotSet("item", None)]


class ActionRecyclingCentreHours(CouncilAction):
    """Opening hours of the recycling centres (the tip), holiday closures included."""

    def name(self) -> str:
        """Action name used in rules."""
        return "action_recycling_centre_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Tell the named centre's hours, or every centre's."""
        try:
            sites = connectors().waste.recycling_centres()
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "recycling centre")
            return [SlotSet("place", None)]
        tell_site_hours(dispatcher, sites, tracker.get_slot("place"), clock.today(), latest_text(tracker))
        return [SlotSet("place", None)]
