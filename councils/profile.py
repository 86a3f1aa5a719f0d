"""The council the assistant speaks for, loaded in one place from ``councils/<name>.yml``.

Actions, the voice skill, the chat page, the staff console and the data scripts all read this object, so a
second council is a second YAML file (``COUNCIL_PROFILE=<name>``), never a fork (FixMyStreet's cobrands).
Keys the loader does not know are ignored, so a profile may carry what a newer part of the project reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROFILES_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "fernbridge"
PROFILE_VARIABLE = "COUNCIL_PROFILE"


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
    # The council's libraries and recycling centres by name: the `place` entity's canonical values.
    places: tuple[str, ...] = ()
    # web pages (scheme://host[:port]) allowed to embed the chat widget; the widget and socket.io refuse others
    widget_origins: tuple[str, ...] = ()
    # days a resident's conversation is kept in Rasa's tracker store before the console deletes it
    conversation_retention_days: int = 90

    def link(self, topic: str) -> str:
        """The council web page for a topic, or the home page when there is none."""
        return self.links.get(topic, self.website)

    def bin_name(self, bin_type: str) -> str:
        """The council's own name for a bin type ("blue recycling bin")."""
        return self.bins.get(bin_type, f"{bin_type} bin")


def profile_path(name: str | None = None) -> Path:
    """The YAML file of a profile name (``COUNCIL_PROFILE``, default ``fernbridge``) or of a ``.yml`` path."""
    name = name or os.environ.get(PROFILE_VARIABLE) or DEFAULT_PROFILE
    return Path(name) if name.endswith(".yml") else PROFILES_DIR / f"{name}.yml"


def load_profile(name: str | None = None) -> CouncilProfile:
    """Read a council profile; a missing file or a missing required key fails loudly, naming it.

    Raises:
        FileNotFoundError: no such profile.
        KeyError: a required key (name, website, phone, out_of_hours_phone) is missing.

    """
    path = profile_path(name)
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [key for key in ("name", "website", "phone", "out_of_hours_phone") if key not in data]
    if missing:
        raise KeyError(f"council profile {path} lacks {', '.join(missing)}")
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
        places=tuple(data.get("places") or ()),
        widget_origins=tuple((data.get("widget") or {}).get("allowed_origins") or ()),
        conversation_retention_days=int(data.get("conversation_retention_days", 90)),
    )


@cache
def current_profile() -> CouncilProfile:
    """The profile this process speaks for (``COUNCIL_PROFILE``), read once at start."""
    return load_profile()
