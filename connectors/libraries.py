"""Library branches with opening hours and holiday closures."""

from __future__ import annotations

import requests

from connectors.http import council_api, reading
from connectors.settings import ConnectorSettings
from connectors.sites import Site, site_from_json


class LibrariesConnector:
    """Talks to the council's libraries system."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def libraries(self) -> list[Site]:
        """List every branch; `Site.hours_on(day)` answers "is it open on ...?" including closures."""
        data = self._http.get("/libraries")
        with reading("libraries"):
            return [site_from_json(row) for row in data]
