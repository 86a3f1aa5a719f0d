"""The council profile, the connectors and the base of every action, shared by every service's actions.

A council differs from the next by its profile (``councils/<name>.yml``, loaded by ``councils.profile``) and the
URLs of its systems (environment), never by code. Both are read once per process.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import json
import logging
from abc import ABCMeta, abstractmethod
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

from actions.clock import today as clock_today
from connectors.addresses import AddressConnector
from connectors.cases import CasesConnector
from connectors.contacts import ContactsConnector
from connectors.council_tax import CouncilTaxConnector
from connectors.directory import DirectoryConnector
from connectors.libraries import LibrariesConnector
from connectors.open311 import Open311Client
from connectors.planning import PlanningConnector
from connectors.settings import ConnectorSettings
from connectors.waste import WasteConnector
from councils.apology import apology
from councils.postcode import normalise_postcode
from councils.profile import CouncilProfile, current_profile, load_profile

# Re-exported: the action modules and their tests import these from here.
__all__ = ["CouncilProfile", "load_profile", "normalise_postcode"]

log = logging.getLogger(__name__)

# Actions run here, off rasa-sdk's one event loop, because the connectors block (requests): a council system that
# takes its full timeout then holds one of these threads, not every resident's turn. The bound caps the calls in
# flight to the council's systems; a turn beyond it waits for a thread, as it would for a connection.
ACTION_THREADS = 32
_workers = ThreadPoolExecutor(max_workers=ACTION_THREADS, thread_name_prefix="action")
_in_worker: contextvars.ContextVar[bool] = contextvars.ContextVar("in_action_worker", default=False)

Run = Callable[..., Awaitable[list[EventType]]]


def profile() -> CouncilProfile:
    """The profile this action server speaks for (``councils.current_profile``, read once per process)."""
    return current_profile()


@dataclass
class Connectors:
    """One client per council system, configured from the environment."""

    addresses: AddressConnector
    waste: WasteConnector
    open311: Open311Client
    council_tax: CouncilTaxConnector
    planning: PlanningConnector
    libraries: LibrariesConnector
    contacts: ContactsConnector
    cases: CasesConnector
    directory: DirectoryConnector


@cache
def connectors() -> Connectors:
    """Build the connectors once per process; they hold pooled HTTP sessions."""
    settings = ConnectorSettings.from_env()
    return Connectors(
        addresses=AddressConnector(settings),
        waste=WasteConnector(settings),
        open311=Open311Client(settings),
        council_tax=CouncilTaxConnector(settings),
        planning=PlanningConnector(settings),
        libraries=LibrariesConnector(settings),
        contacts=ContactsConnector(settings),
        cases=CasesConnector(settings),
        directory=DirectoryConnector(settings),
    )


def _guarded(run: Run) -> Run:
    """An action's ``run`` that runs in a worker thread and answers with the apology whatever it raises."""

    @functools.wraps(run)
    async def guarded(
        self: CouncilAction, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if _in_worker.get():  # run by another action's run (routing does): that one is already guarded
            return await run(self, dispatcher, tracker, domain)
        try:
            return await _in_worker_thread(run, self, dispatcher, tracker, domain)
        except ActionExecutionRejection:  # rasa-sdk's own signal to the form, not a failure
            raise
        except Exception:  # noqa: BLE001 - whatever failed, the resident hears an apology, never nothing
            log.exception("%s failed; the resident gets the apology", self.name())
            dispatcher.utter_message(text=apology(tracker.get_latest_input_channel(), profile()))
            return self.failure_events(tracker)

    guarded.guarded = True  # type: ignore[attr-defined]
    return guarded


async def _in_worker_thread(run: Run, *args: Any) -> list[EventType]:
    """Run an action's coroutine to the end on a worker thread's own event loop."""

    def work() -> list[EventType]:
        _in_worker.set(True)
        return asyncio.run(run(*args))

    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_workers, context.run, work)


class CouncilAction(Action, metaclass=ABCMeta):
    """The base of every action: a failure inside ``run`` gives the resident an apology, never an empty reply.

    A subclass writes ``run`` as rasa-sdk expects; defining the class wraps it (``_guarded``), so a new action
    is covered without a try/except of its own. The wrapped ``run`` also moves the action off rasa-sdk's event
    loop onto a worker thread, so one slow council system stalls only the residents waiting on it.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "guarded", False):
            cls.run = _guarded(run)

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    def failure_events(self, tracker: Tracker) -> list[EventType]:
        """Events to return after the apology, when ``run`` raised: by default the conversation stays as it was."""
        return []


class CouncilFormValidationAction(CouncilAction, FormValidationAction, metaclass=ABCMeta):
    """The base of every form validation action: guarded like every action, and a failure ends the form.

    The form ends as it does when a council system is down (``requested_slot`` set to None), with the values
    being validated dropped, so nothing unchecked is kept and the resident can start again.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """rasa-sdk's extraction and validation (``FormValidationAction.run``)."""
        return await super().run(dispatcher, tracker, domain)

    def failure_events(self, tracker: Tracker) -> list[EventType]:
        """Drop the slot values being validated and end the form."""
        dropped = [SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot != "requested_slot"]
        return [*dropped, SlotSet("requested_slot", None)]


def idempotency_key(tracker: Tracker, kind: str, content: dict[str, Any]) -> str:
    """A key for a submission that is the same each time this conversation sends the same content.

    A resident who confirms twice, or a retry after a timeout, sends the same key, and the council system
    answers with the report it already made instead of making another.
    """
    material = json.dumps([kind, tracker.sender_id, content], sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(material.encode()).hexdigest()[:40]}"


def say_service_unavailable(dispatcher: CollectingDispatcher, service: str) -> None:
    """Tell the resident a council system is down, and how else to reach us."""
    council = profile()
    dispatcher.utter_message(
        response="utter_service_unavailable",
        service=service,
        council_name=council.name,
        council_phone=council.phone,
        council_phone_hours=council.phone_hours,
    )


def spoken_reference(reference: str) -> str:
    """Spell a reference out for speech: "MB-000123" -> "M B 0 0 0 1 2 3"."""
    return " ".join(ch for ch in reference.upper() if ch.isalnum())


def friendly_date(day: date, today: date | None = None) -> str:
    """Dates as residents say them: "today", "tomorrow", "Wednesday 2 December"."""
    today = today or clock_today()
    if day == today:
        return f"today ({day:%A} {day.day} {day:%B})"
    if day == today + timedelta(days=1):
        return f"tomorrow ({day:%A} {day.day} {day:%B})"
    return f"{day:%A} {day.day} {day:%B}"


def latest_text(tracker: Any) -> str:
    """The resident's latest message text ('' for none): routing and validation read the words themselves."""
    return (tracker.latest_message or {}).get("text") or ""
