"""Address lookups: postcode to addresses, and a UPRN back to its address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from connectors.http import council_api, reading
from connectors.settings import ConnectorSettings


@dataclass(frozen=True)
class Address:
    """A property; `uprn` is the key every other council service uses."""

    uprn: str
    address: str
    postcode: str
    lat: float
    lon: float


def _address(data: dict[str, Any]) -> Address:
    return Address(
        uprn=str(data["uprn"]),
        address=str(data["address"]),
        postcode=str(data["postcode"]),
        lat=float(data["lat"]),
        lon=float(data["lon"]),
    )


class AddressConnector:
    """Finds addresses in the council's address gazetteer."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def find_by_postcode(self, postcode: str) -> list[Address]:
        """List the addresses at a postcode, in street order.

        Raises:
            Rejected: `invalid_postcode` when it is not a UK postcode.
            NotFound: `unknown_postcode` when the council has no addresses there.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.get("/addresses", params={"postcode": postcode})
        with reading("addresses"):
            return [_address(row) for row in data]

    def get(self, uprn: str) -> Address:
        """Return the address of a UPRN.

        Raises:
            NotFound: `unknown_uprn`.
            Rejected: `invalid_request` when the UPRN is not 12 digits.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.get(f"/addresses/{quote(str(uprn), safe='')}")
        with reading("addresses"):
            return _address(data)
