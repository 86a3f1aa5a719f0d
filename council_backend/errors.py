"""Error responses outside Open311: `{"error": "<code>", "message": "<plain English>"}`."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


class ApiError(Exception):
    """A refusal the caller should see, with its HTTP status, a stable code and a plain-English message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """Build the JSON error body every non-Open311 endpoint uses."""
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    return response


def invalid(message: str) -> ApiError:
    """Shorthand for the 400 `invalid_request` that every validation failure raises."""
    return ApiError(400, "invalid_request", message)


# Codes for errors raised by Flask itself (routing, body size) rather than by a view.
HTTP_ERROR_CODES = {
    400: ("invalid_request", "The request could not be understood."),
    401: ("invalid_api_key", "A valid API key is required."),
    404: ("not_found", "There is no such endpoint."),
    405: ("method_not_allowed", "That method is not allowed on this endpoint."),
    413: ("request_too_large", "The request body is larger than 1 MB."),
    415: ("invalid_request", "Send the body as JSON."),
}
