"""The console's redaction as it was before issue 9 (commit 2a5c1f9): the baseline bench/redaction.py compares against.

Kept only for the benchmark; the project redacts with ``privacy.redaction``.
"""


from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from councils.postcode import POSTCODE_IN_TEXT

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# 16-digit payment cards, with or without spaces or dashes between groups.
CARD = re.compile(r"(?<!\d)(?:\d[ -]?){15}\d(?!\d)")
# National Insurance numbers: two letters, six digits, a suffix letter A-D (spaces optional).
NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
# UK phone numbers: 0 or +44 then 9-10 more digits, spaces, dashes and brackets allowed.
PHONE = re.compile(r"(?<![\w/])(?:\+44\s?\(?0?\)?|\(?0)(?:[\s)-]*\d){9,10}(?![\w/])")
# UK postcodes: the outward part is kept, the inward part (the last three characters) masked.
POSTCODE = POSTCODE_IN_TEXT
NAME_ENTITIES = frozenset({"PERSON", "name", "person", "first_name", "last_name"})

EMAIL_MASK = "<email>"
PHONE_MASK = "<phone>"
CARD_MASK = "<card>"
NI_MASK = "<NI number>"
NAME_MASK = "<name>"


def _names(text: str, entities: Iterable[dict[str, Any]] | None) -> str:
    """Replace the spans (or values) of name entities, last span first so offsets stay valid."""
    spans = []
    values = []
    for entity in entities or []:
        if entity.get("entity") not in NAME_ENTITIES:
            continue
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append((start, end))
        elif entity.get("value"):
            values.append(str(entity["value"]))
    for start, end in sorted(set(spans), reverse=True):
        text = text[:start] + NAME_MASK + text[end:]
    for value in values:
        text = re.sub(re.escape(value), NAME_MASK, text, flags=re.IGNORECASE)
    return text


def redact(text: str | None, entities: Iterable[dict[str, Any]] | None = None) -> str:
    """Mask emails, phone, card and NI numbers, names (from name entities); keep a postcode's outward part.

    Args:
        text: a message as the resident or the bot wrote it.
        entities: the message's Rasa entities; a ``PERSON``/``name`` entity marks a name to mask.

    """
    if not text:
        return ""
    text = _names(text, entities)
    text = EMAIL.sub(EMAIL_MASK, text)
    text = CARD.sub(CARD_MASK, text)
    text = NI_NUMBER.sub(NI_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)
    return POSTCODE.sub(lambda m: f"{m.group(1).upper()} ***", text)


def redact_entities(entities: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Entities for display: values of name entities and personal values masked like the text."""
    out = []
    for entity in entities or []:
        value = entity.get("value")
        if entity.get("entity") in NAME_ENTITIES:
            shown = NAME_MASK
        else:
            shown = redact(str(value)) if value is not None else ""
        out.append({"entity": entity.get("entity"), "value": shown, "extractor": entity.get("extractor")})
    return out
