"""The A to Z's answer to a message, and the more specific service a task's general answer would miss.

Kept apart from actions/directory.py so the task actions (information, contact, libraries), which that module
imports, can ask the A to Z too.
"""

from __future__ import annotations

import re
import time

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.council import connectors
from connectors.directory import DirectoryService, ScoredService
from connectors.errors import ServiceUnavailable
from service_directory.ranking import RUNNER_UP_THRESHOLD, SPECIFIC_MARGIN, SPECIFIC_THRESHOLD

SERVICE_ENTITY = "service"
DEPARTMENT_ENTITY = "department"  # a council department the classifier found in the words ("council tax")
SERVICE_SLOT = "directory_service"
INTENT = "council_service"
RUNNERS_UP = 2  # "Did you mean" buttons
EVERY_SERVICE = 10_000  # a search limit above any council's A to Z: the task's own services may rank low
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)")


def button_payload(service_id: str) -> str:
    """The payload that asks for one service by id: the contract of the "Did you mean" buttons."""
    return f'/{INTENT}{{"{SERVICE_ENTITY}":"{service_id}"}}'


def first_sentence(text: str) -> str:
    """The answer's first sentence: what a voice reply says before the card carries the rest."""
    match = _FIRST_SENTENCE.match(text.strip())
    return match.group(1) if match else text.strip()


def say_service(dispatcher: CollectingDispatcher, service: DirectoryService,
                others: list[DirectoryService]) -> list[EventType]:
    """A service's answer and link, then up to two "Did you mean" buttons; the slot staff see in the inbox."""
    dispatcher.utter_message(
        response="utter_directory_answer",
        title=service.title,
        answer=service.answer,
        summary=first_sentence(service.answer),
        link=service.url,
    )
    if others:
        buttons = [{"title": other.title, "payload": button_payload(other.id)} for other in others[:RUNNERS_UP]]
        dispatcher.utter_message(response="utter_directory_did_you_mean", buttons=buttons)
    return [SlotSet(SERVICE_SLOT, service.id)]


def close_runners_up(ranked: list[ScoredService]) -> list[DirectoryService]:
    """The runners-up after the best that are nearly a plausible answer themselves."""
    return [scored.service for scored in ranked[1:] if scored.score >= RUNNER_UP_THRESHOLD][:RUNNERS_UP]


def more_specific_service(tracker: Tracker, intent: str) -> DirectoryService | None:
    """An A to Z service that answers the resident's words better than the task ``intent`` would, if any.

    A task's answer is general ("register to vote"); the A to Z often has the service the words name ("postal
    vote", "polling station"). Only for words typed or said outside a form, when the best service is not a task,
    scores at least ``SPECIFIC_THRESHOLD`` and beats the task's own services by ``SPECIFIC_MARGIN``.
    """
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    if not text or text.startswith("/") or tracker.active_loop_name:
        return None
    try:
        ranked = connectors().directory.search(text, limit=EVERY_SERVICE)
    except ServiceUnavailable:
        return None
    if not ranked or ranked[0].service.task or ranked[0].score < SPECIFIC_THRESHOLD:
        return None
    own = [scored for scored in ranked if scored.service.task == intent]
    if own and own[0].score > ranked[0].score - SPECIFIC_MARGIN:
        return None
    return ranked[0].service


def hand_over_to_a_more_specific_service(tracker: Tracker, intent: str) -> list[EventType] | None:
    """Rewrite the turn as a council service when the A to Z has a more specific one (see above); else None.

    The same rewrite as the A to Z's own hand-over to a task (actions/directory.py), the other way round: the
    directory's rule then answers, and its rules, not a policy's guess, say what follows.
    """
    if more_specific_service(tracker, intent) is None:
        return None
    message = tracker.latest_message or {}
    return rewritten_turn(message, INTENT, list(message.get("entities") or []))


def rewritten_turn(message: dict, intent: str, entities: list[dict],
                   leave_form: list[EventType] | None = None) -> list[EventType]:
    """The resident's latest message said again as ``intent`` (as Rasa's two-stage fallback does), so its rules run."""
    text = str(message.get("text") or "")
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": [{"name": intent, "confidence": 1.0}],
        "entities": entities,
    }
    return [UserUtteranceReverted(), *(leave_form or []), ActionExecuted("action_listen"),
            UserUttered(text, parse_data=parse_data, timestamp=time.time())]
