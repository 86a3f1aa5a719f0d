"""The council's A to Z of services, read from its CMS (`GET /services`) and ranked here.

A council's CMS may serve only the list, so the action server ranks it itself with the one ranking of
`service_directory`, the same the reference backend's search uses. The list is cached for a few minutes:
the A to Z changes when staff edit it, not between two messages of a conversation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from connectors.errors import NotFound
from connectors.http import council_api, reading
from connectors.parsing import optional_str
from connectors.settings import ConnectorSettings
from service_directory import DirectoryRanker

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class DirectoryService:
    """One service of the A to Z; `task` names the intent when the assistant performs the service itself."""

    id: str
    title: str
    answer: str
    url: str
    department: str
    terms: tuple[str, ...]
    task: str | None = None
    task_entities: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoredService:
    """A service and how well it matches a resident's words (0 to 1)."""

    service: DirectoryService
    score: float


class DirectoryConnector:
    """Reads the council's service directory and answers "which service is this about?"."""

    def __init__(
        self,
        settings: ConnectorSettings | None = None,
        session: requests.Session | None = None,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = council_api(settings, session)
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._fetched_at: float | None = None
        self._services: list[DirectoryService] = []
        self._ranker: DirectoryRanker | None = None

    def services(self) -> list[DirectoryService]:
        """The whole directory, fetched at most once per cache period.

        Raises:
            ServiceUnavailable: the system is down, slow or answered something unreadable.

        """
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._cache_seconds:
                data = self._http.get("/services")
                with reading("the service directory"):
                    services = [_service(row) for row in data]
                self._services, self._ranker = services, DirectoryRanker(services)
                self._fetched_at = now
            return list(self._services)

    def service(self, service_id: str) -> DirectoryService:
        """One service by its id.

        Raises:
            NotFound: the directory has no such service.
            ServiceUnavailable: the system is down or slow.

        """
        for service in self.services():
            if service.id == service_id:
                return service
        raise NotFound("unknown_service", f"There is no service {service_id!r} in the directory.")

    def search(self, text: str, limit: int = 3) -> list[ScoredService]:
        """The `limit` best services for a resident's words, best first, whatever their score.

        Raises:
            ServiceUnavailable: the system is down or slow.

        """
        services = self.services()
        ranker = self._ranker
        if ranker is None:
            return []
        return [ScoredService(services[match.index], match.score) for match in ranker.rank(text, limit)]

    def add_term(self, service_id: str, term: str) -> DirectoryService:
        """Add a resident's words to a service's terms (staff fixing an answer); the cache is refreshed next time.

        Raises:
            NotFound: the directory has no such service.
            Rejected: `invalid_request` for an empty or overlong term.
            ServiceUnavailable: the system is down or slow.

        """
        data = self._http.post_json(f"/services/{quote(service_id, safe='')}/terms", {"term": term})
        with self._lock:
            self._fetched_at = None
        with reading("the service directory"):
            return _service(data)


def _service(row: dict) -> DirectoryService:
    entities = row.get("task_entities") or {}
    return DirectoryService(
        id=str(row["id"]),
        title=str(row["title"]),
        answer=str(row["answer"]),
        url=str(row["url"]),
        department=str(row.get("department") or "general"),
        terms=tuple(str(term) for term in row.get("terms") or ()),
        task=optional_str(row.get("task")),
        task_entities={str(key): str(value) for key, value in dict(entities).items()},
    )
