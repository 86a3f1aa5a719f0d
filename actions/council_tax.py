"""Council tax: the band of a property (the other council tax answers are information responses)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.addresses import AddressFormValidation
from actions.council import CouncilAction, connectors, profile, say_service_unavailable
from connectors.errors import NotFound, ServiceUnavailable


class ValidateCouncilTaxBandForm(AddressFormValidation):
    """The band needs only the property."""

    def name(self) -> str:
        """Validation action for council_tax_band_form."""
        return "validate_council_tax_band_form"


class ActionTellCouncilTaxBand(CouncilAction):
    """Tell a property's band and this year's charge."""

    def name(self) -> str:
        """Run when council_tax_band_form is complete."""
        return "action_tell_council_tax_band"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Look the band up by UPRN."""
        uprn = tracker.get_slot("uprn")
        if not uprn:
            return []
        address = tracker.get_slot("address")
        council = profile()
        try:
            band = connectors().council_tax.band(uprn)
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, "council tax")
            return []
        except NotFound:
            dispatcher.utter_message(
                response="utter_council_tax_band_not_found", address=address, council_phone=council.phone
            )
            return []
        dispatcher.utter_message(
            response="utter_council_tax_band",
            address=address,
            band=band.band,
            financial_year=band.financial_year,
            annual_charge=f"{band.annual_charge:,.2f}",
            link=council.link("council_tax_band"),
        )
        return []
