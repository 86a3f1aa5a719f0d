"""Address search by postcode and lookup by UPRN, the key every other service uses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select

from council_backend import db
from council_backend.errors import ApiError
from council_backend.models import Address
from council_backend.validation import normalise_postcode, not_found, uprn_value

blueprint = Blueprint("addresses", __name__)


def address_json(address: Address) -> dict[str, Any]:
    """Render an address as the API describes it."""
    return {
        "uprn": address.uprn,
        "address": address.full_address,
        "postcode": address.postcode,
        "lat": address.lat,
        "lon": address.lon,
    }


def get_address(uprn: str) -> Address:
    """Find an address by UPRN or refuse with 404 `unknown_uprn`, as every UPRN-keyed endpoint does."""
    address = db.session().get(Address, uprn)
    if address is None:
        raise not_found("unknown_uprn", f"We have no address with UPRN {uprn}.")
    return address


@blueprint.get("/addresses")
def find_by_postcode() -> Response:
    """List the addresses at a postcode, in street order, so the resident can pick theirs."""
    raw = request.args.get("postcode", "")
    postcode = normalise_postcode(raw) if len(raw) <= 16 else None
    if postcode is None:
        raise ApiError(400, "invalid_postcode", "That is not a UK postcode. It should look like FB1 2AA.")
    rows = (
        db.session()
        .execute(select(Address).where(Address.postcode == postcode).order_by(Address.sort_order))
        .scalars()
        .all()
    )
    if not rows:
        raise not_found("unknown_postcode", f"We have no addresses at {postcode}. It may be outside the borough.")
    return jsonify([address_json(row) for row in rows])


@blueprint.get("/addresses/<uprn>")
def get_by_uprn(uprn: str) -> Response:
    """Return one address, so a UPRN kept in a conversation can be read back as words."""
    return jsonify(address_json(get_address(uprn_value(uprn))))
