"""The council's A to Z: answer what no task covers from the service directory, or start the task it names."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import (
    ActiveLoop,
    EventType,
    FollowupAction,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import clear_form_slots, say_out_of_scope
from actions.council import CouncilAction, connectors, say_service_unavailable
from actions.directory_answers import (
    DEPARTMENT_ENTITY,
    INTENT,
    RUNNERS_UP,
    SERVICE_ENTITY,
    SERVICE_SLOT,
    button_payload,
    close_runners_up,
    rewritten_turn,
    say_service,
)
from actions.information import INFORMATION_INTENTS, page_topic
from connectors.directory import DirectoryService, ScoredService
from connectors.errors import ServiceUnavailable
from nlu_components.words import content_words
from service_directory.ranking import SUGGEST_THRESHOLD, SUGGESTIONS, THRESHOLD

# Conversation and out-of-scope intents (docs/CONTRACTS.md): a guess of one of them is no council matter.
from service_directory.training_data import CONVERSATION_INTENTS

FALLBACK_INTENT = "nlu_fallback"
SERVICE_NAME = "A to Z of services"  # fills {service} in utter_service_unavailable
# Tasks the rules answer with a plain action, not a form (bot/rules/*.yml; tests/actions/test_directory.py checks).
TASK_ACTIONS = {
    **{intent: "action_council_information" for intent in INFORMATION_INTENTS},
    "contact_council": "action_contact_council",
    "library_opening_hours": "action_library_hours",
    "recycling_centre_hours": "action_recycling_centre_hours",
    "safeguarding_concern": "action_urgent_route",
}


class ActionServiceDirectory(CouncilAction):
    """Answer the resident's latest message from the A to Z when it matches a service well enough.

    A service the assistant performs itself (`task`) starts that task as if the resident had asked for it
    (the turn is rewritten, as Rasa's own two-stage fallback does, so the task's rules run). Below the
    threshold the resident gets the out-of-scope answer and the offer of a person.
    """

    def name(self) -> str:
        """Action name used in rules and in `FollowupAction` hand-overs."""
        return "action_service_directory"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer, start the task, or say out of scope; a form that was running is left."""
        message = tracker.latest_message or {}
        leave_form: list[EventType] = [ActiveLoop(None), *clear_form_slots()] if tracker.active_loop_name else []
        directory = connectors().directory
        try:
            requested = _requested_service(tracker)
            ranked: list[ScoredService] = []
            known = {service.id: service for service in directory.services()}
            if requested in known:
                service = known[requested]
            else:
                # Typed words are ranked whole; a payload (a button, the voice skill's slot) by the words it carries.
                text = str(message.get("text") or "")
                words = (requested or "") if text.startswith("/") else text
                if not tracker.active_loop_name and page_topic(tracker) and not content_words(words):
                    # "how much is it?" names nothing: the council page the resident is reading says what
                    return say_out_of_scope(dispatcher, tracker)
                ranked = directory.search(words, limit=max(1 + RUNNERS_UP, SUGGESTIONS)) if words else []
                if not ranked or ranked[0].score < THRESHOLD:
                    if _suggest(dispatcher, tracker, ranked):
                        return [*leave_form, SlotSet(SERVICE_SLOT, None)]
                    return [*say_out_of_scope(dispatcher, tracker), SlotSet(SERVICE_SLOT, None)]
                service = ranked[0].service
        except ServiceUnavailable:
            say_service_unavailable(dispatcher, SERVICE_NAME)
            return leave_form

        if service.task:
            return start_task(tracker, service, leave_form, set(domain.get("slots") or {}))
        return [*leave_form, *say_service(dispatcher, service, close_runners_up(ranked))]


def start_task(
    tracker: Tracker, service: DirectoryService, leave_form: list[EventType], slots: set[str] | None = None
) -> list[EventType]:
    """Rewrite the resident's turn as the task's intent (with its entities), so the task's own rules start it.

    Rasa extracts slots only from the message as it arrived, so the entities of the rewritten turn that
    name a slot of the domain ("on Mill Lane" -> location) are set here, with the task's own entities.
    """
    message = tracker.latest_message or {}
    entities = [
        entity for entity in message.get("entities") or [] if entity.get("entity") not in {SERVICE_ENTITY}
    ] + [{"entity": name, "value": value} for name, value in service.task_entities.items()]
    return [
        *rewritten_turn(message, service.task, entities, leave_form),
        SlotSet(SERVICE_SLOT, service.id),
        *[SlotSet(e["entity"], e["value"]) for e in entities if e.get("entity") in (slots or set())
          and e.get("entity") not in service.task_entities],
        *[SlotSet(name, value) for name, value in service.task_entities.items()],
        # A form starts from its rule on the rewritten turn; a plain action did not (the resident heard nothing),
        # so it is named outright.
        *([FollowupAction(TASK_ACTIONS[service.task])] if service.task in TASK_ACTIONS else []),
    ]


def _suggest(dispatcher: CollectingDispatcher, tracker: Tracker, ranked: list[ScoredService]) -> bool:
    """Offer the best few services as buttons when the classifier is sure this is about a council service.

    "Sorry, I can't help" is wrong for a resident who plainly asked about a council matter in words the A to Z
    does not have ("parking for guests"); the nearest services are a better answer. Not when the classifier read
    the message as out of scope or conversation: such a message would get council services offered.
    """
    close = [scored for scored in ranked if scored.score >= SUGGEST_THRESHOLD][:SUGGESTIONS]
    if not close or not _about_a_council_service(tracker.latest_message or {}):
        return False
    buttons = [{"title": found.service.title, "payload": button_payload(found.service.id)} for found in close]
    dispatcher.utter_message(response="utter_directory_suggest", buttons=buttons)
    return True


def _about_a_council_service(message: dict[str, Any]) -> bool:
    """The classifier read a council service, or fell back on a council matter.

    A council matter: the best guess was a council task or service, or the words named a department ("counsil
    tax": a guess of ``inform``, with the department found).
    """
    intent = (message.get("intent") or {}).get("name")
    if intent == INTENT:
        return True
    if intent != FALLBACK_INTENT:
        return False
    if any(entity.get("entity") == DEPARTMENT_ENTITY for entity in message.get("entities") or []):
        return True
    guesses = [r.get("name") for r in message.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    return bool(guesses) and guesses[0] not in CONVERSATION_INTENTS


def _requested_service(tracker: Tracker) -> str | None:
    """The `service` entity: an id from a "Did you mean" button, or words (the voice skill's slot, a span)."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == SERVICE_ENTITY and entity.get("value"):
            return str(entity["value"])
    return None
