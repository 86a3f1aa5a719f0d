"""The apology a resident hears when a part of the assistant fails, and the guard that makes every channel say it.

Two places need it: the action server (an action raised) and Rasa's input channels (the action server is down, so
a turn ends with nothing said). Both read the words from ``councils/messages/apology.yml`` and the numbers from the
council profile, so the resident hears the same apology, in their channel's words, whichever part failed.
"""

from __future__ import annotations

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


def always_answer(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap a Rasa input channel's ``on_new_message`` so that no turn ends in silence.

    Rasa answers nothing when a custom action cannot run (the action server is down or restarting: connection
    refused) or the turn fails: it logs the error and the resident's channel gets an empty reply. This watches
    what the turn sends through the message's output channel; when it sent nothing, it sends the apology
    through that same channel, whose name picks the words (the voice channel's output is ``voice``).
    """

    async def answered(message: Any) -> Any:
        output = message.output_channel
        sent = _count_sent(output)
        result = None
        try:
            result = await on_new_message(message)
        except Exception:  # noqa: BLE001 - the resident must hear something whatever failed
            log.exception("The turn of %s failed; the resident gets the apology", message.sender_id)
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
