"""A report or case confirmed twice in one conversation carries one idempotency key, so the council makes one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import ActionCreateCase
from actions.council import connectors
from actions.streets import ActionSubmitProblemReport
from connectors.cases import CaseReceipt
from connectors.open311 import ServiceRequestReceipt

REPORT = {"problem_type": "pothole", "location": "Mill Lane", "problem_description": "A deep pothole",
          "contact_details": "none", "confirm_problem_report": True}


class Recording:
    """A connector that records the keyword arguments of each submission and answers a receipt."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def create_request(self, **kwargs: Any) -> ServiceRequestReceipt:
        self.calls.append(kwargs)
        return ServiceRequestReceipt(service_request_id="10231")

    def create_case(self, **kwargs: Any) -> CaseReceipt:
        self.calls.append(kwargs)
        return CaseReceipt(reference="CC-000001", expected_response="within a day")


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Recording:
    fake = Recording()
    monkeypatch.setattr(connectors(), "open311", fake)
    monkeypatch.setattr(connectors(), "cases", fake)
    return fake


def _tracker(sender: str, slots: dict[str, Any], said: tuple[str, ...] = ("report a pothole",)) -> Tracker:
    events = [{"event": "user", "text": text, "input_channel": "rest"} for text in said]
    return Tracker(sender, slots, {"text": said[-1], "intent": {"name": "affirm"}}, events, False, None, {},
                   "action_listen")


def _keys(action: Any, trackers: list[Tracker], recording: Recording) -> list[str]:
    for tracker in trackers:
        asyncio.run(action.run(CollectingDispatcher(), tracker, {}))
    return [call["idempotency_key"] for call in recording.calls]


def test_a_report_confirmed_twice_sends_one_key(recording: Recording) -> None:
    first, again = _keys(ActionSubmitProblemReport(), [_tracker("r1", REPORT), _tracker("r1", REPORT)], recording)
    assert first == again and first.startswith("report-")


def test_another_resident_or_another_report_sends_another_key(recording: Recording) -> None:
    keys = _keys(ActionSubmitProblemReport(), [
        _tracker("r1", REPORT),
        _tracker("r2", REPORT),
        _tracker("r1", {**REPORT, "problem_description": "Another pothole"}),
        _tracker("r1", {**REPORT, "contact_details": "07700 900123"}),
    ], recording)
    assert len(set(keys)) == 4


def test_a_handover_confirmed_twice_sends_one_key_though_the_transcript_grew(recording: Recording) -> None:
    slots = {"contact_details": "07700 900123"}
    first, again = _keys(ActionCreateCase(), [
        _tracker("r1", slots, ("speak to a person", "07700 900123")),
        _tracker("r1", slots, ("speak to a person", "07700 900123", "yes")),
    ], recording)
    assert first == again and first.startswith("case-")
    assert recording.calls[0]["reason"] != recording.calls[1]["reason"]
