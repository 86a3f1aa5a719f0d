"""Connector settings, read once from environment variables with documented defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_COUNCIL_API_URL = "http://127.0.0.1:8080"
MAX_TIMEOUT_SECONDS = 3.0  # a resident waiting in chat or on a voice call should not wait longer


@dataclass(frozen=True)
class ConnectorSettings:
    """Where the council systems are and how long to wait for them.

    Environment variables (secrets have no defaults):
        COUNCIL_API_URL: council backend base URL (default http://127.0.0.1:8080).
        COUNCIL_API_KEY: sent as `X-Api-Key` (default: none).
        OPEN311_URL: GeoReport v2 base URL (default `<COUNCIL_API_URL>/open311/v2`).
        OPEN311_API_KEY: Open311 `api_key` (default: COUNCIL_API_KEY).
        OPEN311_JURISDICTION: Open311 `jurisdiction_id` (default: none).
        COUNCIL_API_TIMEOUT: seconds per call, float, default 3.0, never more than 3.0.
    """

    council_api_url: str = DEFAULT_COUNCIL_API_URL
    council_api_key: str | None = None
    open311_url: str = ""  # empty: `<council_api_url>/open311/v2`
    open311_api_key: str | None = None  # None: the council API key
    open311_jurisdiction: str | None = None
    timeout: float = MAX_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "council_api_url", self.council_api_url.rstrip("/"))
        open311_url = self.open311_url or f"{self.council_api_url}/open311/v2"
        object.__setattr__(self, "open311_url", open311_url.rstrip("/"))
        if self.open311_api_key is None:
            object.__setattr__(self, "open311_api_key", self.council_api_key)
        timeout = self.timeout if self.timeout and self.timeout > 0 else MAX_TIMEOUT_SECONDS
        object.__setattr__(self, "timeout", min(float(timeout), MAX_TIMEOUT_SECONDS))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ConnectorSettings:
        """Build settings from the environment (or a given mapping, for tests).

        Raises:
            ValueError: COUNCIL_API_TIMEOUT is set but is not a number.

        """
        env = os.environ if environ is None else environ
        council_api_url = (env.get("COUNCIL_API_URL") or DEFAULT_COUNCIL_API_URL).rstrip("/")
        council_api_key = env.get("COUNCIL_API_KEY") or None
        raw_timeout = env.get("COUNCIL_API_TIMEOUT")
        try:
            timeout = float(raw_timeout) if raw_timeout else MAX_TIMEOUT_SECONDS
        except ValueError:
            raise ValueError(f"COUNCIL_API_TIMEOUT must be a number of seconds, not {raw_timeout!r}") from None
        return cls(
            council_api_url=council_api_url,
            council_api_key=council_api_key,
            open311_url=env.get("OPEN311_URL") or f"{council_api_url}/open311/v2",
            open311_api_key=env.get("OPEN311_API_KEY") or council_api_key,
            open311_jurisdiction=env.get("OPEN311_JURISDICTION") or None,
            timeout=timeout,
        )
