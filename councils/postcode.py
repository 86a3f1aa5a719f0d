"""The UK postcode: one pattern for the NLU components, actions, voice skill, console redaction and backend.

A full postcode is an outward code (area and district, "FB1") and an inward code (sector and unit, "2AA").
"""

from __future__ import annotations

import re

OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
INWARD = r"[0-9][A-Z]{2}"
# A postcode with its spaces already removed, upper case: groups are the outward and inward codes.
COMPACT_POSTCODE = re.compile(rf"^({OUTWARD})({INWARD})$")
# A postcode anywhere in free text, any case, with or without the space.
POSTCODE_IN_TEXT = re.compile(rf"\b({OUTWARD})\s*({INWARD})\b", re.IGNORECASE)


def canonical_postcode(compact: str) -> str | None:
    """"FB12AA" -> "FB1 2AA" for text already compacted and upper-cased; None when it is not a postcode."""
    match = COMPACT_POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def normalise_postcode(text: str | None) -> str | None:
    """A UK postcode in canonical form ("FB1 2AA") from what a resident typed, or None when it is not one."""
    if not text:
        return None
    return canonical_postcode(re.sub(r"[^A-Za-z0-9]", "", text).upper())
