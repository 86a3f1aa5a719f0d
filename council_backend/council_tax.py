"""Council tax band and annual charge for an address."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from council_backend import clock, db
from council_backend.addresses import get_address
from council_backend.errors import ApiError
from council_backend.models import CouncilTaxCharge
from council_backend.validation import query_param, uprn_value

blueprint = Blueprint("council_tax", __name__)


@blueprint.get("/council-tax/band")
def band() -> Response:
    """Answer the band of an address and its charge for the financial year that contains today."""
    address = get_address(uprn_value(query_param("uprn")))
    today = clock.today()
    charge = (
        db.session()
        .execute(
            select(CouncilTaxCharge)
            .where(CouncilTaxCharge.band == address.council_tax_band, CouncilTaxCharge.year_starts <= today)
            .order_by(CouncilTaxCharge.year_starts.desc())
        )
        .scalars()
        .first()
    )
    if charge is None:
        raise ApiError(503, "service_unavailable", "Council tax charges for this year are not available yet.")
    return jsonify(
        {
            "uprn": address.uprn,
            "address": address.full_address,
            "band": address.council_tax_band,
            "annual_charge": charge.annual_charge_pence / 100,
            "financial_year": charge.financial_year,
        }
    )
