"""Every action, its council systems failing in every way: the resident always hears something, never nothing.

The actions are found as rasa-sdk finds them (``ActionExecutor.register_package("actions")``), so a new action is
covered without editing this file. Each runs with every connector raising each connector error and an unexpected
exception; whatever the action does not handle itself must end in the apology with the council's phone number.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.council import Connectors, CouncilAction, connectors, profile
from connectors.errors import NotFound, Rejected, ServiceUnavailable
from councils.apology import apology

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "bot" / "domain"
ERRORS = {
    "service_unavailable": lambda: ServiceUnavailable("down"),
    "not_found": lambda: NotFound("not_found", "No such thing."),
    "rejected": lambda: Rejected("invalid_department", "The backend refuses that.", status=400),
    "unexpected": lambda: RuntimeError("a bug"),
}
# Slot values that take each action as far as its council system: a property, a report, a reference, a contact.
SLOTS: dict[str, Any] = {
    "postcode": "FB1 2AA",
    "uprn": "100000000001",
    "address": "1 Mill Lane, Fernbridge",
    "address_options": [{"uprn": "100000000001", "address": "1 Mill Lane, Fernbridge"},
                        {"uprn": "100000000002", "address": "3 Mill Lane, Fernbridge"}],
    "department": "waste",
    "problem_type": "pothole",
    "location": "Mill Lane",
    "problem_description": "A deep pothole by the school gate",
    "contact_details": "none",
    "confirm_problem_report": True,
    "reference": "10231",
    "bin_type": "general",
    "confirm_missed_bin": True,
    "missed_collection_date": "2026-11-30",
    "item": "glass bottles",
    "place": "Central Library",
    "directory_service": "blue-badge",
}
# A reference in the shape each form checks (planning's differs from a street report's).
FORM_SLOTS: dict[str, dict[str, Any]] = {"planning_form": {"reference": "24/01234/FUL"}}


def _domain() -> dict[str, Any]:
    domain: dict[str, Any] = {"forms": {}, "actions": [], "slots": {}}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        domain["forms"].update(part.get("forms") or {})
        domain["actions"].extend(part.get("actions") or [])
        domain["slots"].update(part.get("slots") or {})
    return domain


DOMAIN = _domain()


def _registered() -> dict[str, Action]:
    executor = ActionExecutor()
    executor.register_package("actions")
    return {name: run.__self__ for name, run in sorted(executor.actions.items())}


ACTIONS = _registered()


def _tracker(action: Action, channel: str) -> Tracker:
    """The resident typed a postcode; for a form's validation, the form's slots are the candidates to check."""
    form = action.name().removeprefix("validate_") if action.name().startswith("validate_") else None
    slots = {**SLOTS, **FORM_SLOTS.get(form or "", {})}
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "FB1 2AA", "parse_data": {"intent": {"name": "inform"}},
         "input_channel": channel},
    ]
    if form in DOMAIN["forms"]:
        events += [{"event": "slot", "name": slot, "value": slots.get(slot)}
                   for slot in DOMAIN["forms"][form]["required_slots"]]
    return Tracker(
        sender_id="resident-1",
        slots={"requested_slot": None, **slots},
        latest_message={"text": "FB1 2AA", "intent": {"name": "inform", "confidence": 0.9}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


class Failing:
    """A connector every method of which raises the given error, recording that it was called."""

    def __init__(self, make_error: Any, calls: list[str], name: str) -> None:
        self._make_error, self._calls, self._name = make_error, calls, name

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(f"{self._name}.{method}")
            raise self._make_error()

        return call


@pytest.fixture
def failing_connectors(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Replace every connector of the action server with one that fails; yield a function that picks the error."""
    calls: list[str] = []
    instance = connectors()

    def fail_with(kind: str) -> list[str]:
        for field in dataclasses.fields(Connectors):
            monkeypatch.setattr(instance, field.name, Failing(ERRORS[kind], calls, field.name))
        return calls

    yield fail_with


def _run(action: Action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def test_every_action_is_a_council_action() -> None:
    """The guard lives in the base class: an action that skipped it would not be guarded."""
    assert ACTIONS
    assert all(isinstance(action, CouncilAction) for action in ACTIONS.values()), [
        name for name, action in ACTIONS.items() if not isinstance(action, CouncilAction)
    ]


@pytest.mark.parametrize("kind", sorted(ERRORS))
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_with_failing_connectors_still_answers(name: str, kind: str, failing_connectors: Any) -> None:
    calls = failing_connectors(kind)
    events, messages = _run(ACTIONS[name], _tracker(ACTIONS[name], "rest"))
    assert isinstance(events, list)
    if calls:
        assert messages, f"{name} said nothing after {calls[0]} raised {kind}"
    if calls and kind == "unexpected":
        assert {"text": apology("rest", profile())}.items() <= messages[-1].items()


def test_an_unexpected_failure_is_apologised_for_in_the_voice_channel_words(failing_connectors: Any) -> None:
    failing_connectors("unexpected")
    action = ACTIONS["action_tell_bin_day"]
    _, messages = _run(action, _tracker(action, "voice"))
    spoken = apology("voice", profile())
    assert messages[-1]["text"] == spoken
    assert profile().phone in spoken and spoken != apology("rest", profile())


def test_every_action_that_calls_a_connector_reaches_it_in_these_tests(failing_connectors: Any) -> None:
    """The tracker above must take each action that uses a council system as far as the call, or the test is idle."""
    reached = set()
    for name, action in ACTIONS.items():
        calls = failing_connectors("unexpected")
        calls.clear()
        _run(action, _tracker(action, "rest"))
        if calls:
            reached.add(name)
    uses_connectors = {
        name for name, action in ACTIONS.items()
        if any("connectors()" in inspect.getsource(cls) for cls in type(action).__mro__
               if cls.__module__.startswith("actions."))
    }
    assert uses_connectors <= reached, sorted(uses_connectors - reached)


def test_a_failed_form_validation_ends_the_form_and_drops_the_unchecked_values(failing_connectors: Any) -> None:
    failing_connectors("unexpected")
    action = ACTIONS["validate_bin_day_form"]
    events, messages = _run(action, _tracker(action, "rest"))
    assert messages[-1]["text"] == apology("rest", profile())
    assert {"event": "slot", "name": "requested_slot", "value": None} in [
        {key: event[key] for key in ("event", "name", "value")} for event in events
    ]
    assert {(event["name"], event["value"]) for event in events} >= {("postcode", None), ("uprn", None)}
