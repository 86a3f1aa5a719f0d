"""The only errors connectors raise, so actions can turn each into one polite reply."""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """Base class: anything a council system did that the action must handle."""


class ServiceUnavailable(ConnectorError):
    """The system is down, too slow, answered 5xx or answered something unreadable: try again later."""


class NotFound(ConnectorError):
    """The thing asked for does not exist (404): unknown UPRN, postcode, reference or request."""

    def __init__(self, code: str = "not_found", message: str = "Not found.") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Rejected(ConnectorError):
    """The system refused the request (4xx) for a reason the resident should hear.

    Attributes:
        code: the system's stable reason code (`collection_not_over`, `duplicate_report`,
            `invalid_postcode`, `invalid_api_key`, or the status for Open311 errors such as `400`).
        message: the system's plain-English explanation.
        details: any other fields of the error body (for example the existing `reference`).
        status: the HTTP status.

    """

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}
        self.status = status
