"""Build trackers and run actions the way rasa-sdk's own tests do."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(
    slots: dict[str, Any] | None = None,
    intent: str | None = None,
    text: str = "",
    active_loop: str | None = None,
    events: list[dict] | None = None,
    entities: list[dict] | None = None,
) -> Tracker:
    """A tracker with the given slots and latest message."""
    return Tracker(
        sender_id="resident-1",
        slots={"requested_slot": None, **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


async def run(action: Action, current: Tracker) -> tuple[list[dict], list[dict]]:
    """Run an action; return (events, messages)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, current, {})
    return events, dispatcher.messages


def response_names(messages: list[dict]) -> list[str]:
    """The response names an action uttered, in order."""
    return [message.get("response") for message in messages]
