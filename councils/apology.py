"""The apology a resident hears when a part of the assistant fails, and the guard that makes every channel say it.

Two places need it: the action server (an action raised) and Rasa's input channels (the action server is down, so
a turn ends with nothing said). Both read the words from ``councils/messages/apology.yml`` and the numbers from the
council profile, so the resident hears the same apology, in their channel's words, whichever part failed.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from councils.profile import CouncilProfile, current_profile

# Not beside the profiles: every councils/*.yml is a council.
APOLOGY_FILE = Path(__file__).resolve().parent / "messages" / "apology.yml"

log = logging.getLogger(__name__)


@cache
def _variants() -> tuple[dict[str, str], ...]:
    variants = (yaml.safe_load(APOLOGY_FILE.read_text(encoding="utf-8")) or {}).get("apology") or []
    if not any(isinstance(v, dict) and v.get("text") and not v.get("channel") for v in variants):
        raise ValueError(f"{APOLOGY_FILE} needs an `apology` variant without a channel")
    return tuple(variants)


def apology(channel: str | None = None, council: CouncilProfile | None = None) -> str:
    """The apology for a channel (``voice`` speaks its own words), with the council's name and phone number."""
    council = council or current_profile()
    variants = _variants()
    chosen = next((v for v in variants if channel and v.get("channel") == channel), None)
    chosen = chosen or next(v for v in variants if v.get("text") and not v.get("channel"))
    return chosen["text"].format(
        council_name=council.name, council_phone=council.phone, council_phone_hours=council.phone_hours
    )


OnNewMessage = Callable[[Any], Awaitable[Any]]
WRITTEN_FOR_RASA = "3.6."
SESSION_START = "action_session_start"
# This turn's state, set by `always_answer`: whether the resident has had the apology already.
_turn: contextvars.ContextVar[dict[str, bool] | None] = contextvars.ContextVar("council_turn", default=None)
_installed = False


def always_answer(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap a Rasa input channel's ``on_new_message`` so that no turn ends without an answer or the apology.

    Rasa answers nothing useful when a custom action cannot run (the action server is down or restarting:
    connection refused): it logs the error, drops the action's events and lets the policies guess the next step,
    so the resident gets an empty reply or "I didn't understand". ``install_action_fallback`` makes such an
    action say the apology instead, once a turn; and a turn that still sends nothing (any other failure) ends
    with the apology here. Either way it goes out through the message's own output channel, whose name picks
    the words (the voice channel's output is ``voice``).
    """
    install_action_fallback()

    async def answered(message: Any) -> Any:
        output = message.output_channel
        sent = _count_sent(output)
        token = _turn.set({"apologised": False})
        result = None
        try:
            result = await on_new_message(message)
        except Exception:  # noqa: BLE001 - the resident must hear something whatever failed
            log.exception("The turn of %s failed; the resident gets the apology", message.sender_id)
        finally:
            _turn.reset(token)
        if not sent():
            log.warning("The turn of %s said nothing; the resident gets the apology", message.sender_id)
            await output.send_text_message(message.sender_id, apology(output.name()))
        return result

    return answered


def _count_sent(output: Any) -> Callable[[], int]:
    """Count the messages a Rasa output channel sends from now on (every message goes through send_response)."""
    count = 0
    send_response = output.send_response

    async def counted(recipient_id: str, message: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        await send_response(recipient_id, message)

    output.send_response = counted
    return lambda: count


def install_action_fallback() -> None:
    """Make Rasa's custom actions answer the apology, rather than fail, when the action server cannot run them.

    Rasa 3.6's ``RemoteAction.run`` raises when the action server is unreachable or answers 5xx, and its
    processor then drops the action and carries on guessing. Wrapped here: ``action_session_start`` falls
    back to Rasa's own session start (the conversation starts without the profile slots); any other action
    says the apology (once a turn) and, for a form's validation, drops the unchecked values and ends the form,
    as the action server itself does when a validation fails. A form's rejection (HTTP 400) is Rasa's own
    signal and passes through. Installed by the channels that need it, once, on the Rasa version it was
    written for.
    """
    global _installed
    if _installed:
        return
    import rasa
    from rasa.core.actions import action as rasa_actions

    if not rasa.__version__.startswith(WRITTEN_FOR_RASA):
        raise RuntimeError(
            f"councils.apology wraps RemoteAction.run of Rasa {WRITTEN_FOR_RASA}x; this is Rasa {rasa.__version__}: "
            "check rasa/core/actions/action.py and update it."
        )
    rasa_run = rasa_actions.RemoteAction.run

    @functools.wraps(rasa_run)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
        try:
            return await rasa_run(self, output_channel, nlg, tracker, domain)
        except rasa_actions.ActionExecutionRejection:
            raise
        except Exception:  # noqa: BLE001 - unreachable, 5xx, unreadable: the resident hears the apology
            log.exception("Custom action %s could not run; the resident gets the apology", self.name())
        if self.name() == SESSION_START:
            return await rasa_actions.ActionSessionStart().run(output_channel, nlg, tracker, domain)
        return _apology_events(self.name(), output_channel.name(), tracker)

    rasa_actions.RemoteAction.run = run
    _installed = True


def _apology_events(action_name: str, channel: str, tracker: Any) -> list[Any]:
    """The apology (unless this turn had it) and, for a form's validation, the events that end the form."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.constants import REQUESTED_SLOT
    from rasa.shared.core.events import SlotSet

    events: list[Any] = []
    turn = _turn.get()
    if turn is None or not turn["apologised"]:
        if turn is not None:
            turn["apologised"] = True
        events.append(create_bot_utterance({"text": apology(channel)}))
    if action_name.startswith("validate_"):
        candidates = []
        for event in reversed(tracker.events):
            if not isinstance(event, SlotSet):
                break
            candidates.append(event.key)
        events += [SlotSet(slot, None) for slot in dict.fromkeys(candidates) if slot != REQUESTED_SLOT]
        events.append(SlotSet(REQUESTED_SLOT, None))
    return events
