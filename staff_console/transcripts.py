"""Read-only queries against Rasa's tracker store (``events`` table), one page at a time, never in bulk."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float as FLOAT
from sqlalchemy import Integer as INTEGER
from sqlalchemy import MetaData, Table, and_, case, cast, create_engine, func, or_, select
from sqlalchemy.dialects.postgresql import JSON as JSON_TYPE
from sqlalchemy.engine import Engine

from privacy.redaction import redact, redact_entities

FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
FALLBACK_ACTIONS = ("action_default_fallback", "action_fallback", "utter_default")
# A handover starts with the intro and ends with a case for staff (bot/domain/contact.yml, actions/contact.py).
HANDOVER_START = "utter_handover_intro"
# A resident saying the last answer did not help (typed, or the chat page's "This didn't help" button): the
# message *before* it is the one staff should look at.
UNHELPFUL_INTENT = "not_helpful"
# Set by action_service_directory to the A to Z service it answered with (bot/domain/directory.yml).
DIRECTORY_SLOT = "directory_service"
HANDOVER_ACTIONS = (HANDOVER_START, "action_create_case")
STOPWORDS = frozenset(
    "a an the i my me is it to of for and or on in at be can do does did you your we our this that please "
    "what whats when where how why who im i'm its it's there".split()
)


@dataclass
class Filters:
    """Conversation list filters (all optional)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    channel: str = ""
    intent: str = ""
    fallback: bool = False
    handover: bool = False
    low_confidence: bool = False


@dataclass
class Turn:
    """One line of a transcript, already redacted."""

    kind: str  # user | bot | action
    text: str
    at: dt.datetime
    intent: str = ""
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    event_id: int = 0
    page: str = ""  # the council web page the resident wrote from (the widget sends it)


def _readonly_engine(url: str) -> Engine:
    """An engine that never writes: SQLite is opened in read-only mode; other databases get read-only sessions."""
    if url.startswith("sqlite:///") and "mode=ro" not in url:
        path = url[len("sqlite:///"):]
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", future=True)
    engine = create_engine(url, future=True)
    return engine


def _ts(value: float | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(value or 0, tz=dt.timezone.utc).replace(tzinfo=None)


class TrackerReader:
    """Queries over Rasa's ``events`` table (sender_id, type_name, timestamp, intent_name, action_name, data)."""

    def __init__(self, url: str, low_confidence: float = 0.6) -> None:
        self.url = url
        self.engine = _readonly_engine(url)
        self.low_confidence = low_confidence
        self._events: Table | None = None

    @property
    def events(self) -> Table:
        """The ``events`` table, reflected on first use (Rasa creates it on its first conversation)."""
        if self._events is None:
            self._events = Table("events", MetaData(), autoload_with=self.engine)
        return self._events

    def available(self) -> bool:
        """Whether the tracker store has an ``events`` table yet."""
        try:
            _ = self.events
            return True
        except Exception:  # noqa: BLE001 - no table or no database yet
            return False

    def _confidence(self):  # noqa: ANN202 - a SQL expression
        """The user event's intent confidence out of the JSON ``data`` column, per dialect."""
        e = self.events
        if self.engine.dialect.name == "postgresql":
            return cast(cast(e.c.data, JSON_TYPE)["parse_data"]["intent"]["confidence"].astext, FLOAT)
        return func.json_extract(e.c.data, "$.parse_data.intent.confidence")

    def _unsure_condition(self):  # noqa: ANN202
        e = self.events
        return and_(
            e.c.type_name == "user",
            or_(e.c.intent_name.in_(FALLBACK_INTENTS), self._confidence() < self.low_confidence),
        )

    def conversations(self, filters: Filters, page: int = 1, per_page: int = 50) -> tuple[list[dict], bool]:
        """One page of conversations, newest first; returns (rows, has_more)."""
        e = self.events
        conditions = []
        if filters.date_from:
            conditions.append(e.c.timestamp >= dt.datetime.combine(filters.date_from, dt.time()).replace(
                tzinfo=dt.timezone.utc).timestamp())
        if filters.date_to:
            end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time()).replace(tzinfo=dt.timezone.utc)
            conditions.append(e.c.timestamp < end.timestamp())
        matching = []
        if filters.channel:
            matching.append(and_(e.c.type_name == "user",
                                 e.c.data.like(f'%"input_channel": "{_like_safe(filters.channel)}"%')))
        if filters.intent:
            matching.append(and_(e.c.type_name == "user", e.c.intent_name == filters.intent))
        if filters.fallback:
            matching.append(or_(e.c.intent_name.in_(FALLBACK_INTENTS), e.c.action_name.in_(FALLBACK_ACTIONS)))
        if filters.handover:
            matching.append(e.c.action_name.in_(HANDOVER_ACTIONS))
        if filters.low_confidence:
            matching.append(and_(e.c.type_name == "user", self._confidence() < self.low_confidence))
        user = case((e.c.type_name == "user", 1), else_=0)
        query = select(
            e.c.sender_id,
            func.min(e.c.timestamp).label("started"),
            func.max(e.c.timestamp).label("last"),
            func.sum(user).label("messages"),
        ).where(*conditions).group_by(e.c.sender_id)
        for condition in matching:
            query = query.having(func.sum(case((condition, 1), else_=0)) > 0)
        query = query.order_by(func.max(e.c.timestamp).desc()).limit(per_page + 1).offset((page - 1) * per_page)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        out = [
            {"sender_id": r.sender_id, "started": _ts(r.started), "last": _ts(r.last), "messages": int(r.messages or 0)}
            for r in rows[:per_page]
        ]
        return out, len(rows) > per_page

    def transcript(self, sender_id: str) -> list[Turn]:
        """Every event of one conversation that a reader needs, in order, redacted."""
        e = self.events
        query = (
            select(e.c.id, e.c.type_name, e.c.timestamp, e.c.action_name, e.c.data)
            .where(e.c.sender_id == sender_id, e.c.type_name.in_(("user", "bot", "action")))
            .order_by(e.c.id)
        )
        turns = []
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                data = json.loads(row.data or "{}")
                if row.type_name == "user":
                    parse = data.get("parse_data") or {}
                    intent = parse.get("intent") or {}
                    entities = parse.get("entities") or []
                    page = ((data.get("metadata") or {}).get("page") or {}).get("url") or ""
                    turns.append(Turn("user", redact(data.get("text"), entities), _ts(row.timestamp),
                                      intent.get("name") or "", intent.get("confidence"),
                                      redact_entities(entities), row.id, page=str(page)))
                elif row.type_name == "bot":
                    turns.append(Turn("bot", redact(data.get("text")), _ts(row.timestamp), event_id=row.id))
                elif row.action_name not in ("action_listen", "action_session_start"):
                    turns.append(Turn("action", row.action_name or "", _ts(row.timestamp), event_id=row.id))
        return turns

    def user_event(self, event_id: int) -> dict[str, Any] | None:
        """One resident message by event id: sender, redacted text, prediction."""
        e = self.events
        with self.engine.connect() as connection:
            row = connection.execute(
                select(e.c.id, e.c.sender_id, e.c.data).where(e.c.id == event_id, e.c.type_name == "user")
            ).first()
        return _unsure_row(row) if row else None

    def unsure_messages(self, limit: int = 500) -> list[dict[str, Any]]:
        """The most recent resident messages the model was unsure of, fell back on, or residents marked unhelpful."""
        e = self.events
        query = (select(e.c.id, e.c.sender_id, e.c.data).where(self._unsure_condition())
                 .order_by(e.c.id.desc()).limit(limit))
        with self.engine.connect() as connection:
            rows = {row.id: _unsure_row(row) for row in connection.execute(query)
                    if not self._answered_a_form_question(connection, row.sender_id, row.id)}
        for row in self.marked_unhelpful(limit):
            marked = rows.setdefault(row["event_id"], row)
            marked["unhelpful"] = True
            marked["directory_service"] = self.directory_answer(row["sender_id"], row["event_id"])
        return [rows[key] for key in sorted(rows, reverse=True)][:limit]

    def directory_answer(self, sender_id: str, event_id: int) -> str | None:
        """The A to Z service that answered a resident message, if the directory answered it."""
        e = self.events
        later = e.alias("later")
        next_message = (
            select(func.min(later.c.id))
            .where(later.c.sender_id == sender_id, later.c.type_name == "user", later.c.id > event_id)
            .scalar_subquery()
        )
        query = (
            select(e.c.data)
            .where(e.c.sender_id == sender_id, e.c.type_name == "slot", e.c.id > event_id,
                   or_(next_message.is_(None), e.c.id < next_message))
            .order_by(e.c.id)
        )
        answer = None
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                data = json.loads(row.data or "{}")
                if data.get("name") == DIRECTORY_SLOT:
                    answer = data.get("value") or None
        return answer

    def _answered_a_form_question(self, connection: Any, sender_id: str, event_id: int) -> bool:
        """Whether a form question took this message as its answer (a description, a location).

        Such a message is no fallback, whatever the classifier said: the slot the form had asked for was filled.
        """
        e = self.events
        asked_row = connection.execute(
            select(e.c.data).where(e.c.sender_id == sender_id, e.c.id < event_id, e.c.type_name == "slot",
                                   e.c.data.like('%"requested_slot"%'))
            .order_by(e.c.id.desc()).limit(1)
        ).first()
        asked = json.loads(asked_row.data).get("value") if asked_row else None
        if not asked:
            return False
        filled = None
        following = (select(e.c.type_name, e.c.data).where(e.c.sender_id == sender_id, e.c.id > event_id,
                                                            e.c.type_name.in_(("slot", "user")))
                     .order_by(e.c.id).limit(50))
        for row in connection.execute(following):
            if row.type_name == "user":
                break
            event = json.loads(row.data or "{}")
            if event.get("name") == asked:
                filled = event.get("value")
        return filled is not None

    def marked_unhelpful(self, limit: int = 500) -> list[dict[str, Any]]:
        """Resident messages whose answer the resident then said did not help (the message before each mark)."""
        e = self.events
        earlier = e.alias("earlier")
        previous = (
            select(func.max(earlier.c.id))
            .where(earlier.c.sender_id == e.c.sender_id, earlier.c.type_name == "user", earlier.c.id < e.c.id,
                   earlier.c.intent_name != UNHELPFUL_INTENT)
            .scalar_subquery()
        )
        marks = (select(previous.label("marked")).where(e.c.type_name == "user", e.c.intent_name == UNHELPFUL_INTENT)
                 .order_by(e.c.id.desc()).limit(limit)).subquery()
        query = (select(e.c.id, e.c.sender_id, e.c.data).where(e.c.id.in_(select(marks.c.marked)))
                 .order_by(e.c.id.desc()))
        with self.engine.connect() as connection:
            return [_unsure_row(row) for row in connection.execute(query)]

    def intent_counts(self, since: dt.datetime, top: int = 10) -> list[tuple[str, int]]:
        """The most frequent predicted intents of resident messages since ``since``."""
        e = self.events
        query = (
            select(e.c.intent_name, func.count().label("n"))
            .where(e.c.type_name == "user", e.c.timestamp >= since.replace(tzinfo=dt.timezone.utc).timestamp(),
                   e.c.intent_name.isnot(None))
            .group_by(e.c.intent_name).order_by(func.count().desc()).limit(top)
        )
        with self.engine.connect() as connection:
            return [(r.intent_name, int(r.n)) for r in connection.execute(query)]

    def daily_rates(self, since: dt.datetime) -> list[tuple[dt.date, int, int, int]]:
        """Per day since ``since``: (day, resident messages, fallbacks, handovers)."""
        e = self.events
        days = e.c.timestamp / 86400
        # SQLite's CAST truncates; PostgreSQL's rounds, so floor first there.
        day = cast(func.floor(days) if self.engine.dialect.name == "postgresql" else days, INTEGER)
        query = (
            select(
                day.label("day"),
                func.sum(case((e.c.type_name == "user", 1), else_=0)).label("messages"),
                func.sum(case((and_(e.c.type_name == "user", e.c.intent_name.in_(FALLBACK_INTENTS)), 1),
                              else_=0)).label("fallbacks"),
                func.sum(case((and_(e.c.type_name == "action", e.c.action_name == HANDOVER_START), 1),
                              else_=0)).label("handovers"),
            )
            .where(e.c.timestamp >= since.replace(tzinfo=dt.timezone.utc).timestamp())
            .group_by(day).order_by(day)
        )
        with self.engine.connect() as connection:
            return [(dt.date(1970, 1, 1) + dt.timedelta(days=int(r.day)), int(r.messages or 0),
                     int(r.fallbacks or 0), int(r.handovers or 0)) for r in connection.execute(query)]

    def handover_actions(self, since: dt.datetime) -> list[tuple[str, int]]:
        """Handovers started and cases created since ``since``, by action name."""
        e = self.events
        query = (
            select(e.c.action_name, func.count().label("n"))
            .where(e.c.type_name == "action", e.c.action_name.in_(HANDOVER_ACTIONS),
                   e.c.timestamp >= since.replace(tzinfo=dt.timezone.utc).timestamp())
            .group_by(e.c.action_name).order_by(func.count().desc())
        )
        with self.engine.connect() as connection:
            return [(r.action_name, int(r.n)) for r in connection.execute(query)]

    def unmet_demand(self, since: dt.datetime, limit: int = 300) -> list[dict[str, Any]]:
        """Recent messages that fell back (the assistant could not answer), for grouping by wording."""
        e = self.events
        query = (select(e.c.id, e.c.sender_id, e.c.data)
                 .where(e.c.type_name == "user", e.c.intent_name.in_(FALLBACK_INTENTS),
                        e.c.timestamp >= since.replace(tzinfo=dt.timezone.utc).timestamp())
                 .order_by(e.c.id.desc()).limit(limit))
        with self.engine.connect() as connection:
            return [_unsure_row(row) for row in connection.execute(query)]


def _like_safe(value: str) -> str:
    return re.sub(r"[%_\"\\]", "", value)


def _unsure_row(row: Any) -> dict[str, Any]:
    data = json.loads(row.data or "{}")
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    entities = parse.get("entities") or []
    return {
        "event_id": row.id,
        "sender_id": row.sender_id,
        "text": redact(data.get("text"), entities),
        "intent": intent.get("name") or "",
        "confidence": float(intent.get("confidence") or 0.0),
        "entities": [
            {**shown, "start": raw.get("start"), "end": raw.get("end")}
            for shown, raw in zip(redact_entities(entities), entities, strict=True)
        ],
        "raw_entities": entities,
        "raw_text": data.get("text") or "",
        "at": _ts(data.get("timestamp")),
    }


def wording_key(text: str) -> frozenset[str]:
    """Content words of a message, for grouping similar wording."""
    words = re.sub(r"[^\w\s<>*]", " ", text.lower()).split()
    return frozenset(w for w in words if w not in STOPWORDS and not w.isdigit())


def group_by_wording(messages: list[dict[str, Any]], threshold: float = 0.5) -> list[dict[str, Any]]:
    """Greedy grouping of messages whose content words overlap (Jaccard >= threshold); biggest groups first."""
    groups: list[dict[str, Any]] = []
    for message in messages:
        key = wording_key(message["text"])
        for group in groups:
            union = key | group["key"]
            if union and len(key & group["key"]) / len(union) >= threshold:
                group["messages"].append(message)
                break
        else:
            groups.append({"key": key, "messages": [message]})
    for group in groups:
        intents = [m["intent"] for m in group["messages"]]
        group["intent"] = max(set(intents), key=intents.count)
        group["label"] = group["messages"][0]["text"]
        group["id"] = group["messages"][0]["event_id"]
    return sorted(groups, key=lambda g: -len(g["messages"]))

