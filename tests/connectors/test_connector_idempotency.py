"""A report or case sent twice with one Idempotency-Key is made once: the real backend, over real HTTP."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests

from connectors.cases import CasesConnector
from connectors.errors import Rejected
from connectors.open311 import Open311Client

POTHOLE = {"service_code": "POTH", "description": "A deep pothole by the school gate", "address_string": "Mill Lane"}


def _key() -> str:
    return f"test-{uuid.uuid4().hex}"


def _reports_about(backend, description: str) -> list[dict]:
    answer = requests.get(f"{backend.url}/open311/v2/requests.json", headers={"X-Api-Key": backend.api_key},
                          timeout=5)
    return [row for row in answer.json() if row["description"] == description]


def test_a_report_sent_twice_with_one_key_is_one_report(settings, backend) -> None:
    client, key = Open311Client(settings), _key()
    report = {**POTHOLE, "description": f"Pothole {key}"}
    first = client.create_request(**report, idempotency_key=key)
    again = client.create_request(**report, idempotency_key=key)
    assert again.service_request_id == first.service_request_id
    assert len(_reports_about(backend, report["description"])) == 1


def test_a_report_sent_twice_without_a_key_is_two_reports(settings, backend) -> None:
    client = Open311Client(settings)
    report = {**POTHOLE, "description": f"Pothole {_key()}"}
    assert client.create_request(**report).service_request_id != client.create_request(**report).service_request_id
    assert len(_reports_about(backend, report["description"])) == 2


def test_a_key_reused_for_another_report_is_refused_and_makes_nothing(settings, backend) -> None:
    client, key = Open311Client(settings), _key()
    client.create_request(**POTHOLE, idempotency_key=key)
    other = {**POTHOLE, "description": f"Graffiti {key}"}
    with pytest.raises(Rejected) as refused:
        client.create_request(**other, idempotency_key=key)
    assert refused.value.status == 422
    assert _reports_about(backend, other["description"]) == []


def test_two_requests_with_one_key_at_once_make_one_report(settings, backend) -> None:
    client, key = Open311Client(settings), _key()
    report = {**POTHOLE, "description": f"Pothole {key}"}
    ids: list[str | None] = []
    threads = [threading.Thread(target=lambda: ids.append(client.create_request(**report, idempotency_key=key)
                                                          .service_request_id)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ids) == 4 and len(set(ids)) == 1
    assert len(_reports_about(backend, report["description"])) == 1


def test_a_repeat_is_marked_as_a_replay_and_a_malformed_key_is_refused(backend) -> None:
    url, key = f"{backend.url}/open311/v2/requests.json", _key()
    form = {**POTHOLE, "api_key": backend.api_key}
    first = requests.post(url, data=form, headers={"Idempotency-Key": key}, timeout=5)
    again = requests.post(url, data=form, headers={"Idempotency-Key": key}, timeout=5)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    bad = requests.post(url, data=form, headers={"Idempotency-Key": "bad key!"}, timeout=5)
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()[0]["description"]


def test_a_case_confirmed_twice_is_one_case_though_the_transcript_grew(settings) -> None:
    cases, key, sender = CasesConnector(settings), _key(), f"resident-{uuid.uuid4().hex[:8]}"
    first = cases.create_case("Asked for a person", conversation_id=sender, phone="07700900123",
                              idempotency_key=key)
    again = cases.create_case("Asked for a person | yes", conversation_id=sender, phone="07700900123",
                              idempotency_key=key)
    assert again.reference == first.reference
    other = cases.create_case("Asked for a person", conversation_id=sender, phone="07700900123")
    assert other.reference != first.reference


def test_a_case_key_reused_for_another_callback_is_refused(settings) -> None:
    cases, key = CasesConnector(settings), _key()
    cases.create_case("Asked for a person", phone="07700900123", idempotency_key=key)
    with pytest.raises(Rejected) as refused:
        cases.create_case("Asked for a person", phone="07700900999", idempotency_key=key)
    assert (refused.value.status, refused.value.code) == (422, "idempotency_key_reused")
