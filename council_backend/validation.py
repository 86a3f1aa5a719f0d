"""Input checks shared by the endpoints, so bad input always gets a clear 400 and never a 500."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import request

from council_backend.errors import ApiError, invalid
from councils.postcode import canonical_postcode

# ASCII digits only: `\d` and str.isdigit also accept "²" or "٣", which int() refuses or the database never holds.
DIGITS = re.compile(r"[0-9]+")
UPRN_PATTERN = re.compile(r"^[0-9]{12}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{7,20}$")
# Control characters other than tab and line breaks: they break XML output and mean nothing to staff.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BIN_TYPES = ("general", "recycling", "food", "garden", "glass")
MAX_QUERY_LENGTH = 200


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, refusing a malformed or non-object body with a 400."""
    data = request.get_json(force=True, silent=True)
    if data is None:
        raise invalid("The request body must be valid JSON.")
    if not isinstance(data, dict):
        raise invalid("The request body must be a JSON object.")
    return data


def text_field(
    data: dict[str, Any], name: str, max_length: int, required: bool = True, label: str | None = None
) -> str | None:
    """Read a string field, trimmed; refuse wrong types, blanks (when required) and overlong values."""
    label = label or name
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(f"{label} is required.")
        return None
    if not isinstance(value, str):
        raise invalid(f"{label} must be a string.")
    value = value.strip()
    if CONTROL_CHARACTERS.search(value):
        raise invalid(f"{label} contains control characters.")
    if len(value) > max_length:
        raise invalid(f"{label} is longer than {max_length:,} characters.")
    return value


def query_param(name: str, required: bool = True, max_length: int = MAX_QUERY_LENGTH) -> str | None:
    """Read a query-string parameter with the same rules as `text_field`."""
    return text_field(request.args.to_dict(), name, max_length, required=required)


def whole_number(raw: str | None, max_digits: int) -> int | None:
    """The number an id or count is written as in ASCII digits (at most ``max_digits``), else None."""
    if raw is None or len(raw) > max_digits or not DIGITS.fullmatch(raw):
        return None
    return int(raw)


def uprn_value(raw: str | None, label: str = "uprn") -> str:
    """Check a UPRN is 12 digits, the only form the council's systems use."""
    if raw is None or not UPRN_PATTERN.match(raw.strip()):
        raise invalid(f"{label} must be a 12-digit UPRN.")
    return raw.strip()


def normalise_postcode(raw: str) -> str | None:
    """Return a postcode in upper case with one space (`FB1 2AA`), or None if it is not a UK postcode."""
    return canonical_postcode(re.sub(r"\s+", "", raw or "").upper())


def iso_date(value: Any, label: str) -> date:
    """Read a `YYYY-MM-DD` date."""
    if not isinstance(value, str):
        raise invalid(f"{label} must be a date written YYYY-MM-DD.")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise invalid(f"{label} must be a date written YYYY-MM-DD.") from None


def email_value(value: str | None, label: str = "email") -> str | None:
    """Check an email address looks deliverable (one @, a dot in the domain)."""
    if value is not None and not EMAIL_PATTERN.match(value):
        raise invalid(f"{label} is not a valid email address.")
    return value


def phone_value(value: str | None, label: str = "phone") -> str | None:
    """Check a phone number has 7 to 20 digits, spaces or dashes, with an optional leading +."""
    if value is not None and not PHONE_PATTERN.match(value):
        raise invalid(f"{label} is not a valid phone number.")
    return value


def url_value(value: str | None, label: str) -> str | None:
    """Accept only http(s) links, so nothing else is stored and shown to staff as a link."""
    if value is not None and not re.match(r"^https?://\S+$", value):
        raise invalid(f"{label} must be an http or https URL.")
    return value


def not_found(code: str, message: str) -> ApiError:
    """Shorthand for a 404 with a specific code (`unknown_uprn`, `unknown_application`)."""
    return ApiError(404, code, message)
