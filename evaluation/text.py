"""Text keys and markup: one normalisation for every leak check, one markup stripper."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

ENTITY_MARKUP = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]+\}))")
_TAG = re.compile(r"<[^>]+>")


def normalise_text(text: str) -> str:
    """The comparison key of a sentence: lower case, no apostrophes, punctuation or extra spaces.

    "Don't" and "dont" are one key: the leak checks (held-out or CLINC evaluation text in the training data)
    must catch a sentence that differs only in how it was typed.
    """
    lowered = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", lowered).split())


def overlap(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """Texts of ``a`` whose key (``normalise_text``) is also a key of ``b``, sorted."""
    seen = {normalise_text(t) for t in b}
    return sorted({t for t in a if normalise_text(t) in seen})


def plain_text(example: str) -> str:
    """An annotated NLU example without its entity markup: "[FB1 2AA](postcode)" -> "FB1 2AA"."""
    return ENTITY_MARKUP.sub(lambda m: m.group("text"), example)


def annotations(example: str) -> list[tuple[str, str, str | None]]:
    """(text, entity, explicit value or None) for every entity annotation of an NLU example."""
    found = []
    for match in ENTITY_MARKUP.finditer(example):
        if match.group("name"):
            found.append((match.group("text"), match.group("name"), None))
        else:
            spec = json.loads(match.group("json"))
            found.append((match.group("text"), spec["entity"], spec.get("value")))
    return found


def strip_markup(markup: str) -> str:
    """The words of SSML or HTML: tags become spaces, entities are decoded, spacing collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())
