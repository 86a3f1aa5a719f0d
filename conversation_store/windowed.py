"""Rasa's SQL tracker store that hands Rasa a bounded window of each conversation, so turn 200 costs as turn 1.

Rasa rebuilds the whole current session on every turn: it reads and replays every stored event, featurises
every earlier state for each policy, and sends the whole tracker to the action server. A resident who keeps
the chat open therefore pays more on every turn (65 ms at turns 1-20, 1.4 s at turns 181-200). Rasa's own
bound is the conversation session (``retrieve`` reads only events since the last ``session_started``); this
store adds a rolling one inside the session, shaped like Rasa's own session start with carried-over slots:

    action_session_start, session_started, SlotSet (each slot's value at the anchor), action_listen,
    then every stored event after the anchor, unchanged.

The anchor is the ``action_listen`` before the resident's ``keep_turns``-th latest message, at a moment with
no form active and the conversation not paused, so the window holds everything the dialogue looks back at:
the policies' ``max_history`` (a few actions), a form in progress, and the resident's last messages that the
contact-centre summary quotes. Once a window holds more than ``max_turns`` messages, the anchor moves on.

Nothing stored changes: every event is still appended to Rasa's ``events`` table, which the staff console
reads and ``retrieve_full_tracker`` (Rasa's HTTP API) returns in full. The anchor and its slot values live in
one row per conversation of the table ``conversation_windows``, beside Rasa's, so every Rasa worker or
replica sharing the database sees the same window.

A restart of the database loses no turn (``conversation_store.outage``): connections are checked before use
(SQLAlchemy's ``pool_pre_ping``, so those pooled before a restart are replaced), and a read or write that meets
an unreachable database is tried again for up to ``retry_seconds`` (3). A write tried again first counts what
the failed attempt stored: a commit can succeed and its answer still be lost with the connection.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import declarative_base

from conversation_store import WINDOWS_TABLE
from conversation_store.outage import CONNECT_SECONDS, DEFAULT_RETRY_SECONDS, OutageRetry

logger = logging.getLogger(__name__)

WindowBase = declarative_base()
# Set on each tracker this store hands out: what of it is already stored, so ``save`` appends only the rest.
_STORED = "_council_stored_window"
# What an unreachable database raises: refused or dropped connections, a server starting up or shutting down.
# Not ProgrammingError or IntegrityError: trying those again gives the same answer.
_OUTAGE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError)


def is_outage(error: BaseException) -> bool:
    """Whether a database error means the database is unreachable for now, rather than a wrong query."""
    return isinstance(error, _OUTAGE_ERRORS) or bool(getattr(error, "connection_invalidated", False))


class ConversationWindow(WindowBase):
    """Where a conversation's working window starts, and the slot values there."""

    __tablename__ = WINDOWS_TABLE

    sender_id = sa.Column(sa.String(255), primary_key=True)
    # the timestamp of the session_started event of the session the window belongs to (None: no session start)
    session_start = sa.Column(sa.Float)
    anchor_id = sa.Column(sa.Integer, nullable=False)  # events with a greater id are replayed as stored
    prefix = sa.Column(sa.Text, nullable=False)  # the JSON events that rebuild the state at the anchor


@dataclass
class _StoredWindow:
    """What a tracker handed out by this store holds from the database."""

    session_start: float | None
    anchor_id: int | None
    prefix_length: int
    stored_events: int  # prefix + stored events after the anchor; later events are new
    last_id: int  # the id of the tracker's last stored event (the anchor's, when none is stored after it)


class WindowedSQLTrackerStore(SQLTrackerStore):
    """Rasa's ``SQLTrackerStore``, retrieving each session's latest turns on top of a snapshot of its slots."""

    def __init__(self, *args: Any, keep_turns: int = 8, max_turns: int = 16,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS, **kwargs: Any) -> None:
        """Rasa's SQL store settings, plus the window and the wait for a database that does not answer.

        ``keep_turns`` <= messages kept < ``max_turns``; ``retry_seconds``: how long a turn waits for the database.
        """
        keep_turns, max_turns = int(keep_turns), int(max_turns)
        if not 1 <= keep_turns < max_turns:
            raise ValueError(f"tracker store window: need 1 <= keep_turns < max_turns, got {keep_turns}, {max_turns}")
        self._outage = OutageRetry("The tracker store's database", float(retry_seconds), is_outage)
        super().__init__(*args, **kwargs)
        self._check_connections_before_use()
        self.keep_turns, self.max_turns = keep_turns, max_turns
        self._create_table()

    def _check_connections_before_use(self) -> None:
        """Rasa's engine again, with ``pool_pre_ping`` and a connect timeout (a restart kills pooled connections)."""
        url = self.engine.url
        options = create_engine_kwargs(url)
        if self.engine.dialect.name == "postgresql":
            options["connect_args"] = {"connect_timeout": CONNECT_SECONDS, **options.get("connect_args", {})}
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _create_table(self, attempts: int = 5) -> None:
        """Create ``conversation_windows`` once, though several workers or replicas start at the same moment."""
        for attempt in range(attempts):
            try:
                WindowBase.metadata.create_all(self.engine)
                return
            except sa.exc.DBAPIError:  # another process created it between the check and the CREATE
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _session_start(self, session: sa.orm.Session, sender_id: str) -> float | None:
        """The timestamp of the conversation's latest session start, as Rasa's own session query finds it."""
        return (
            session.query(sa.func.max(self.SQLEvent.timestamp))
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == SessionStarted.type_name)
            .scalar()
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session from its window's anchor on (the whole session when it is still short)."""
        return await self._outage.call(self._retrieve_window, sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """Every stored event of the conversation (Rasa's HTTP API, the staff console), as Rasa reads them."""
        return await self._outage.call(super().retrieve_full_tracker, conversation_id)

    def _retrieve_window(self, sender_id: str) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            start = self._session_start(session, sender_id)
            window = session.get(ConversationWindow, sender_id)
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            prefix: list[dict[str, Any]] = []
            anchor_id = None
            if window is not None and window.session_start == start:
                query = query.filter(self.SQLEvent.id > window.anchor_id)
                prefix, anchor_id = json.loads(window.prefix), window.anchor_id
            rows = query.with_entities(self.SQLEvent.id, self.SQLEvent.data).all()
        if not self.domain or not rows and not prefix:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, prefix + [json.loads(data) for _, data in rows], self.domain.slots
        )
        last_id = rows[-1][0] if rows else anchor_id
        setattr(tracker, _STORED, _StoredWindow(start, anchor_id, len(prefix), len(tracker.events), last_id))
        return tracker

    def _additional_events(self, session: sa.orm.Session, tracker: DialogueStateTracker) -> itertools.islice:
        """The tracker's events not stored yet: after what this store handed out, or Rasa's count otherwise."""
        stored = getattr(tracker, _STORED, None)
        if stored is None:  # a tracker this store did not hand out: a new conversation, events replaced by the API
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored.stored_events, len(tracker.events))

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the new events to the event broker, counted as ``save`` counts them (no second retrieve)."""
        stored = getattr(tracker, _STORED, None)
        if self.event_broker is None or stored is None:
            await super().stream_events(tracker)
            return
        new_events = list(itertools.islice(tracker.events, stored.stored_events, len(tracker.events)))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the new events as Rasa does, then move the window on when it holds too many messages."""
        await self.stream_events(tracker)  # once, as Rasa's save does, however often the write is tried
        stored = getattr(tracker, _STORED, None)
        attempts = itertools.count()
        last_id = await self._outage.call(lambda: self._append(tracker, stored, retried=next(attempts) > 0))
        if stored is None:
            return
        stored.stored_events = len(tracker.events)
        if last_id is not None:
            stored.last_id = last_id
        if self._messages(tracker, stored) <= self.max_turns:
            return  # most turns: the window stays where it is, no more queries
        try:
            self._move_window_on(tracker, stored)
        except sa.exc.DBAPIError as error:
            if not is_outage(error):
                raise
            # Every event is stored; the window moves at a later turn instead.
            logger.warning("Conversation %s: window not moved, the database does not answer (%s)",
                           tracker.sender_id, type(error).__name__)

    def _append(self, tracker: DialogueStateTracker, stored: _StoredWindow | None, retried: bool) -> int | None:
        """Store the tracker's new events in one transaction, as Rasa's save does; the id of the last one stored.

        ``retried``: an earlier attempt failed, perhaps after its commit (the answer lost with the connection), so
        the events it stored are counted first and not stored twice. Rasa's own count, for trackers this store
        did not hand out, already does that.
        """
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            if retried and stored is not None:  # under the conversation's lock, nobody else writes its events
                already = session.query(sa.func.count(self.SQLEvent.id)).filter(
                    self.SQLEvent.sender_id == tracker.sender_id, self.SQLEvent.id > stored.last_id).scalar()
                new_events = new_events[already:]
            rows = [self._event_row(tracker.sender_id, event) for event in new_events]
            session.add_all(rows)
            session.flush()  # assigns the ids
            last_id = rows[-1].id if rows else None
            session.commit()
        logger.debug("Tracker with sender_id '%s' stored to database", tracker.sender_id)
        return last_id

    def _event_row(self, sender_id: str, event: Event) -> SQLTrackerStore.SQLEvent:
        """One row of Rasa's ``events`` table, with the columns Rasa's ``SQLTrackerStore.save`` writes."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _move_window_on(self, tracker: DialogueStateTracker, stored: _StoredWindow) -> None:
        with self.session_scope() as session:
            if self._session_start(session, tracker.sender_id) != stored.session_start:
                return  # a session started during this turn: the next retrieve reads from its start
            row_ids = self._row_ids_after(session, tracker.sender_id, stored)
            if len(row_ids) != stored.stored_events - stored.prefix_length:
                logger.warning("Conversation %s: stored events do not match its tracker; window not moved",
                               tracker.sender_id)
                return
            self._move_window(session, tracker, stored, row_ids)

    @staticmethod
    def _messages(tracker: DialogueStateTracker, stored: _StoredWindow) -> int:
        """The resident's messages in the window (after the slot snapshot)."""
        return sum(isinstance(event, UserUttered) for event in itertools.islice(
            tracker.events, stored.prefix_length, None))

    def _row_ids_after(self, session: sa.orm.Session, sender_id: str, stored: _StoredWindow) -> list[int]:
        """Database ids of the session's events after the anchor, in order (a bounded query)."""
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        if stored.anchor_id is not None:
            query = query.filter(self.SQLEvent.id > stored.anchor_id)
        return [row_id for (row_id,) in query.with_entities(self.SQLEvent.id).all()]

    def _move_window(self, session: sa.orm.Session, tracker: DialogueStateTracker, stored: _StoredWindow,
                     row_ids: list[int]) -> None:
        """Store a later anchor once the window holds more than ``max_turns`` of the resident's messages."""
        events = list(tracker.events)
        messages = [i for i in range(stored.prefix_length, len(events)) if isinstance(events[i], UserUttered)]
        # Anchors: the action_listen just before a message, leaving at least keep_turns messages after it.
        candidates = {
            position - 1 for position in messages[: len(messages) - self.keep_turns + 1]
            if position - 1 >= stored.prefix_length and _is_listen(events[position - 1])
        }
        replay = DialogueStateTracker(tracker.sender_id, self.domain.slots)
        anchor, slots = None, None
        for position, event in enumerate(events):
            replay.update(event)
            if position in candidates and replay.active_loop_name is None and not replay.is_paused():
                anchor = position
                slots = {name: slot.value for name, slot in replay.slots.items() if slot.value != slot.initial_value}
        if anchor is None:  # a form runs through the whole window: the window waits until it ends
            return
        timestamp = events[anchor].timestamp
        prefix: list[Event] = [
            ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
            SessionStarted(timestamp=timestamp),
            *(SlotSet(name, value, timestamp=timestamp) for name, value in slots.items()),
            ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp),
        ]
        session.merge(ConversationWindow(
            sender_id=tracker.sender_id,
            session_start=stored.session_start,
            anchor_id=row_ids[anchor - stored.prefix_length],
            prefix=json.dumps([event.as_dict() for event in prefix]),
        ))
        session.commit()
        logger.debug("Conversation %s: window moved to event %s", tracker.sender_id, events[anchor])


def _is_listen(event: Event) -> bool:
    return isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME
