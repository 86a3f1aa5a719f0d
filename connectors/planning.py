"""Planning applications by reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import requests

from connectors.http import council_api, reading
from connectors.parsing import optional_str, parse_date
from connectors.settings import ConnectorSettings


@dataclass(frozen=True)
class PlanningApplication:
    """An application's progress.

    `status` is received, under_consideration, decided, withdrawn or appeal; `decision` is approved,
    approved_with_conditions, refused or None.
    """

    reference: str
    address: str
    proposal: str
    status: str
    decision: str | None
    received_date: date
    decision_due: date | None
    url: str
    decision_date: date | None = None


class PlanningConnector:
    """Talks to the council's planning system."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def application(self, reference: str) -> PlanningApplication:
        """Return an application by reference (`24/01234/FUL`; case and spaces do not matter).

        Raises:
            Rejected: `invalid_reference` when it is not shaped like a planning reference.
            NotFound: `unknown_application`.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.get("/planning/applications", params={"reference": reference})
        with reading("planning"):
            return PlanningApplication(
                reference=str(data["reference"]),
                address=str(data["address"]),
                proposal=str(data["proposal"]),
                status=str(data["status"]),
                decision=optional_str(data.get("decision")),
                received_date=parse_date(data["received_date"]),
                decision_due=parse_date(data.get("decision_due")),
                url=str(data["url"]),
                decision_date=parse_date(data.get("decision_date")),
            )
