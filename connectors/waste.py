"""Waste services: collection days, missed-bin reports, the recycling A to Z and recycling centres."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import requests

from connectors.http import council_api, reading
from connectors.parsing import parse_date
from connectors.settings import ConnectorSettings
from connectors.sites import Site, site_from_json


@dataclass(frozen=True)
class Collection:
    """One bin at an address: its round's weekday and frequency, and the next and last collections."""

    bin_type: str
    collection_day: str
    frequency: str
    next_collection: date
    last_collection: date | None
    # `open`, `not_over` or `too_late`: whether last_collection can be reported as missed now (None when the
    # council's system does not say; its answer to the report is then the only check)
    missed_report: str | None = None


@dataclass(frozen=True)
class MissedBinReceipt:
    """A recorded missed-bin report; the crew returns by `expected_by`."""

    reference: str
    uprn: str
    bin_type: str
    collection_date: date
    expected_by: date


@dataclass(frozen=True)
class ItemAdvice:
    """Where an item goes: a bin type, `recycling_centre` or `not_accepted`, with a plain-English note."""

    item: str
    bin_type: str
    note: str


class WasteConnector:
    """Talks to the council's waste system."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def collections(self, uprn: str) -> list[Collection]:
        """List the bins collected at an address, soonest collection first.

        Raises:
            NotFound: `unknown_uprn`.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.get("/waste/collections", params={"uprn": uprn})
        with reading("waste collections"):
            return [
                Collection(
                    bin_type=str(row["bin_type"]),
                    collection_day=str(row["collection_day"]),
                    frequency=str(row["frequency"]),
                    next_collection=parse_date(row["next_collection"]),
                    last_collection=parse_date(row.get("last_collection")),
                    missed_report=row.get("missed_report"),
                )
                for row in data
            ]

    def report_missed(self, uprn: str, bin_type: str, collection_date: date) -> MissedBinReceipt:
        """Report a bin that was not emptied.

        Raises:
            Rejected: `collection_not_over` (future date, or today before 5pm), `too_late` (over 2 days
                ago), `not_a_collection_day`, `duplicate_report` (details["reference"] is the earlier
                report) or `invalid_request`; `message` says why in plain English.
            NotFound: `unknown_uprn`.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.post_json(
            "/waste/missed",
            {"uprn": uprn, "bin_type": bin_type, "collection_date": collection_date.isoformat()},
        )
        with reading("missed-bin report"):
            return MissedBinReceipt(
                reference=str(data["reference"]),
                uprn=str(data["uprn"]),
                bin_type=str(data["bin_type"]),
                collection_date=parse_date(data["collection_date"]),
                expected_by=parse_date(data["expected_by"]),
            )

    def lookup_item(self, q: str) -> list[ItemAdvice]:
        """Search the recycling A to Z, best match first; empty when nothing matches."""
        data = self._http.get("/waste/items", params={"q": q})
        with reading("recycling A to Z"):
            return [ItemAdvice(item=str(r["item"]), bin_type=str(r["bin_type"]), note=str(r["note"])) for r in data]

    def recycling_centres(self) -> list[Site]:
        """List recycling centres with hours, upcoming closures and accepted materials."""
        data = self._http.get("/recycling-centres")
        with reading("recycling centres"):
            return [site_from_json(row) for row in data]
