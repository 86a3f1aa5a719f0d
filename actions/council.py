"""The council profile and the connectors, shared by every service's actions.

A council differs from the next by its profile (``councils/<name>.yml``) and the URLs
of its systems (environment), never by code. Both are read once per process.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import CollectingDispatcher

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

PROFILES_DIR = Path(__file__).resolve().parent.parent / "councils"


@dataclass(frozen=True)
class CouncilProfile:
    """What the assistant needs to know about the council it speaks for."""

    name: str
    short_name: str
    website: str
    phone: str
    phone_hours: str
    out_of_hours_phone: str
    housing_repairs_emergency_phone: str
    transcript_base_url: str
    open311_jurisdiction: str | None
    service_codes: dict[str, str]
    links: dict[str, str]
    bins: dict[str, str] = field(default_factory=dict)

    def link(self, topic: str) -> str:
        """The council web page for a topic, or the home page when there is none."""
        return self.links.get(topic, self.website)

    def bin_name(self, bin_type: str) -> str:
        """The council's own name for a bin type ("blue recycling bin")."""
        return self.bins.get(bin_type, f"{bin_type} bin")


def load_profile(name: str | None = None) -> CouncilProfile:
    """Read a council profile by name (``COUNCIL_PROFILE``, default ``fernbridge``)."""
    name = name or os.environ.get("COUNCIL_PROFILE", "fernbridge")
    path = Path(name) if name.endswith(".yml") else PROFILES_DIR / f"{name}.yml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    open311 = data.get("open311") or {}
    return CouncilProfile(
        name=data["name"],
        short_name=data.get("short_name", data["name"]),
        website=data["website"],
        phone=str(data["phone"]),
        phone_hours=data.get("phone_hours", ""),
        out_of_hours_phone=str(data["out_of_hours_phone"]),
        housing_repairs_emergency_phone=str(data.get("housing_repairs_emergency_phone", data["out_of_hours_phone"])),
        transcript_base_url=data.get("transcript_base_url", ""),
        open311_jurisdiction=open311.get("jurisdiction_id"),
        service_codes=dict(open311.get("service_codes") or {}),
        links=dict(data.get("links") or {}),
        bins=dict(data.get("bins") or {}),
    )


@cache
def profile() -> CouncilProfile:
    """The profile this action server speaks for."""
    return load_profile()


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
    today = today or date.today()
    if day == today:
        return f"today ({day:%A} {day.day} {day:%B})"
    if day == today + timedelta(days=1):
        return f"tomorrow ({day:%A} {day.day} {day:%B})"
    return f"{day:%A} {day.day} {day:%B}"


POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


def normalise_postcode(text: str | None) -> str | None:
    """Return a UK postcode in canonical form ("FB1 2AA"), or None when the text is not one."""
    if not text:
        return None
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    match = POSTCODE_RE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def latest_text(tracker: Any) -> str:
    """The resident's latest message text ('' for none)."""
    return (tracker.latest_message or {}).get("text") or ""
