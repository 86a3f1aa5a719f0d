"""The one HTTP helper connectors share: explicit timeouts and one mapping from failures to errors."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests

from connectors.errors import NotFound, Rejected, ServiceUnavailable
from connectors.settings import ConnectorSettings

USER_AGENT = "council-assistant-connectors/0.1"
# Statuses that mean "not now" rather than "no": the resident should try again later.
RETRY_LATER_STATUSES = {408, 425, 429}
# Sent with a submission so that its repeat (a double confirmation, a retry) makes no second report.
IDEMPOTENCY_HEADER = "Idempotency-Key"


class HttpClient:
    """A `requests.Session` bound to one base URL, with a timeout on every call.

    Every failure leaves as a connector error: connection errors, timeouts, 5xx and unreadable
    answers as `ServiceUnavailable`; 404 as `NotFound`; other 4xx as `Rejected` with the system's
    own reason code and message (`{"error", "message"}` or Open311's `[{"code", "description"}]`).
    """

    def __init__(
        self,
        base_url: str,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a path and return its decoded JSON."""
        return self._request("GET", path, params=params)

    def post_json(self, path: str, payload: Mapping[str, Any], idempotency_key: str | None = None) -> Any:
        """POST a JSON object and return the decoded JSON answer (with `Idempotency-Key` when given)."""
        return self._request("POST", path, idempotency_key, json=payload)

    def post_form(
        self,
        path: str,
        fields: list[tuple[str, str]],
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """POST form-encoded fields (repeated names allowed) and return the decoded JSON answer."""
        return self._request("POST", path, idempotency_key, data=fields, params=params)

    def _request(self, method: str, path: str, idempotency_key: str | None = None, **kwargs: Any) -> Any:
        """One call within one deadline (the timeout): a safe call whose connection failed is tried once more.

        Safe means repeating it cannot do a thing twice: a GET, or a POST carrying an idempotency key. Only a
        connection failure (refused, reset, a pooled connection the server had closed) is retried, and only
        while half the deadline is left: a call that timed out has spent the resident's wait already.
        """
        url = f"{self.base_url}{path}"
        headers = {**self.headers, IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else self.headers
        safe = method == "GET" or idempotency_key is not None
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                response = self.session.request(
                    method, url, headers=headers, timeout=(left, left), allow_redirects=False, **kwargs
                )
            except requests.Timeout as error:
                raise ServiceUnavailable(f"{method} {url} did not answer within {self.timeout:g} s") from error
            except requests.ConnectionError as error:
                if safe and deadline - time.monotonic() >= self.timeout / 2:
                    safe = False  # once
                    continue
                raise ServiceUnavailable(f"{method} {url} failed: {error.__class__.__name__}") from error
            except requests.RequestException as error:
                raise ServiceUnavailable(f"{method} {url} failed: {error.__class__.__name__}") from error
            return self._decode(method, url, response)

    @staticmethod
    def _decode(method: str, url: str, response: requests.Response) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError as error:
                raise ServiceUnavailable(f"{method} {url} answered {status} with invalid JSON") from error
        if status >= 500 or status in RETRY_LATER_STATUSES or status < 400:
            raise ServiceUnavailable(f"{method} {url} answered {status}")
        code, message, details = error_details(response)
        if status == 404:
            raise NotFound(code, message)
        raise Rejected(code, message, details, status)


def error_details(response: requests.Response) -> tuple[str, str, dict[str, Any]]:
    """Read a 4xx body in either error shape; fall back to the status when it is neither."""
    fallback = (f"http_{response.status_code}", response.reason or f"HTTP {response.status_code}", {})
    try:
        body = response.json()
    except ValueError:
        return fallback
    if isinstance(body, dict) and "error" in body:
        details = {k: v for k, v in body.items() if k not in ("error", "message")}
        return str(body["error"]), str(body.get("message") or body["error"]), details
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        descriptions = [str(item.get("description", "")) for item in body if item.get("description")]
        code = str(body[0].get("code", response.status_code))
        return code, "; ".join(descriptions) or fallback[1], {}
    return fallback


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Turn an answer of the wrong shape (missing key, wrong type) into `ServiceUnavailable`."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise ServiceUnavailable(f"Unexpected answer from {what}: {error!r}") from error


def council_api(settings: ConnectorSettings | None, session: requests.Session | None = None) -> HttpClient:
    """An `HttpClient` for the council API (`COUNCIL_API_URL`), carrying `X-Api-Key` when one is set."""
    settings = settings or ConnectorSettings.from_env()
    headers = {"X-Api-Key": settings.council_api_key} if settings.council_api_key else {}
    return HttpClient(settings.council_api_url, settings.timeout, headers, session)
