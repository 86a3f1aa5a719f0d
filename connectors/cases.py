"""Contact-centre cases: human handover and call-back requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from connectors.http import council_api, reading
from connectors.settings import ConnectorSettings


@dataclass(frozen=True)
class CaseReceipt:
    """The case reference to give the resident, and when and how they will hear back."""

    reference: str
    expected_response: str


class CasesConnector:
    """Opens cases in the council's contact-centre system."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        self._http = council_api(settings, session)

    def create_case(
        self,
        reason: str,
        conversation_id: str | None = None,
        transcript_url: str | None = None,
        channel: str = "chat",
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        department: str | None = None,
        idempotency_key: str | None = None,
    ) -> CaseReceipt:
        """Open a case so a person can pick the conversation up.

        The same `idempotency_key` again (a repeated confirmation, a retry) answers the case already opened.

        Raises:
            Rejected: `invalid_request` (for example a reason over 5,000 characters or a bad email).
            ServiceUnavailable: the system is down or slow.

        """
        payload: dict[str, Any] = {"reason": reason, "channel": channel}
        if conversation_id:
            payload["conversation_id"] = conversation_id
        if transcript_url:
            payload["transcript_url"] = transcript_url
        if department:
            payload["department"] = department
        contact = {key: value for key, value in (("name", name), ("phone", phone), ("email", email)) if value}
        if contact:
            payload["contact"] = contact
        data = self._http.post_json("/cases", payload, idempotency_key)
        with reading("cases"):
            return CaseReceipt(reference=str(data["reference"]), expected_response=str(data["expected_response"]))
