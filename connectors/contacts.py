"""Council contact points and out-of-hours numbers."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from connectors.errors import NotFound
from connectors.http import council_api, reading
from connectors.parsing import optional_str
from connectors.settings import ConnectorSettings


@dataclass(frozen=True)
class Contact:
    """A department's contact point; `out_of_hours_phone` is None where there is no such service."""

    department: str
    name: str
    phone: str
    email: str
    hours: str
    url: str
    out_of_hours_phone: str | None


class ContactsConnector:
    """Reads the council's contact directory."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def contacts(self, department: str | None = None) -> list[Contact]:
        """List contact points, or only the department's.

        Raises:
            Rejected: `invalid_request` for a department the council does not have.
            ServiceUnavailable: the system is down or slow.

        """
        params = {"department": department} if department else None
        data = self._http.get("/contacts", params=params)
        with reading("contacts"):
            return [
                Contact(
                    department=str(row["department"]),
                    name=str(row["name"]),
                    phone=str(row["phone"]),
                    email=str(row["email"]),
                    hours=str(row["hours"]),
                    url=str(row["url"]),
                    out_of_hours_phone=optional_str(row.get("out_of_hours_phone")),
                )
                for row in data
            ]

    def contact(self, department: str) -> Contact:
        """Return one department's contact point.

        Raises:
            NotFound: the directory has no entry for it.
            Rejected: `invalid_request` for a department the council does not have.
            ServiceUnavailable: the system is down or slow.

        """
        found = self.contacts(department)
        if not found:
            raise NotFound("unknown_department", f"No contact point for {department}.")
        return found[0]
