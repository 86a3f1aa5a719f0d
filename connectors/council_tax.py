"""Council tax band and annual charge by UPRN."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from connectors.http import council_api, reading
from connectors.settings import ConnectorSettings


@dataclass(frozen=True)
class CouncilTaxBand:
    """The band of a property and its charge (pounds) for `financial_year` ("2026/27")."""

    uprn: str
    address: str
    band: str
    annual_charge: float
    financial_year: str


class CouncilTaxConnector:
    """Talks to the council's revenues system."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def band(self, uprn: str) -> CouncilTaxBand:
        """Return the band and this year's charge of an address.

        Raises:
            NotFound: `unknown_uprn`.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.get("/council-tax/band", params={"uprn": uprn})
        with reading("council tax"):
            return CouncilTaxBand(
                uprn=str(data["uprn"]),
                address=str(data["address"]),
                band=str(data["band"]),
                annual_charge=float(data["annual_charge"]),
                financial_year=str(data["financial_year"]),
            )
