"""The council profile and the connectors, shared by every service's actions.

A council differs from the next by its profile (``councils/<name>.yml``, loaded by ``councils.profile``) and the
URLs of its systems (environment), never by code. Both are read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.clock import today as clock_today
from connectors.addresses import AddressConnector
from connectors.cases import CasesConnector
from connectors.contacts import ContactsConnector
from connectors.council_tax import CouncilTaxConnector
from connectors.directory import DirectoryConnector
from connectors.libraries import LibrariesConnector
from connectors.open311 import Open311Client
from connectors.planning import PlanningConnector
from connectors.settings import ConnectorSettings
from connectors.waste import WasteConnector
from councils.postcode import normalise_postcode
from councils.profile import CouncilProfile, current_profile, load_profile

# Re-exported: the action modules and their tests import these from here.
__all__ = ["CouncilProfile", "load_profile", "normalise_postcode"]

def profile() -> CouncilProfile:
    """The profile this action server speaks for (``councils.current_profile``, read once per process)."""
    return current_profile()


@dataclass
class Connectors:
    """One client per council system, configured from the environment."""

    addresses: AddressConnector
    waste: WasteConnector
    open311: Open311Client
    council_tax: CouncilTaxConnector
    planning: PlanningConnector
    libraries: LibrariesConnector
    contacts: ContactsConnector
    cases: CasesConnector
    directory: DirectoryConnector


@cache
def connectors() -> Connectors:
    """Build the connectors once per process; they hold pooled HTTP sessions."""
    settings = ConnectorSettings.from_env()
    return Connectors(
        addresses=AddressConnector(settings),
        waste=WasteConnector(settings),
        open311=Open311Client(settings),
        council_tax=CouncilTaxConnector(settings),
        planning=PlanningConnector(settings),
        libraries=LibrariesConnector(settings),
        contacts=ContactsConnector(settings),
        cases=CasesConnector(settings),
        directory=DirectoryConnector(settings),
    )


def say_service_unavailable(dispatcher: CollectingDispatcher, service: str) -> None:
    """Tell the resident a council system is down, and how else to reach us."""
    council = profile()
    dispatcher.utter_message(
        response="utter_service_unavailable",
        service=service,
        council_name=council.name,
        council_phone=council.phone,
        council_phone_hours=council.phone_hours,
    )


def spoken_reference(reference: str) -> str:
    """Spell a reference out for speech: "MB-000123" -> "M B 0 0 0 1 2 3"."""
    return " ".join(ch for ch in reference.upper() if ch.isalnum())


def friendly_date(day: date, today: date | None = None) -> str:
    """Dates as residents say them: "today", "tomorrow", "Wednesday 2 December"."""
    today = today or clock_today()
    if day == today:
        return f"today ({day:%A} {day.day} {day:%B})"
    if day == today + timedelta(days=1):
        return f"tomorrow ({day:%A} {day.day} {day:%B})"
    return f"{day:%A} {day.day} {day:%B}"


def latest_text(tracker: Any) -> str:
    """The resident's latest message text ('' for none): routing and validation read the words themselves."""
    return (tracker.latest_message or {}).get("text") or ""
