"""Bin collections, missed-bin reports, the recycling A to Z and recycling centres."""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from council_backend import clock, db
from council_backend.addresses import get_address
from council_backend.errors import ApiError, invalid
from council_backend.messages import bin_name, message
from council_backend.models import CollectionRound, MissedBinReport, RecyclingItem, Site
from council_backend.seed import load_yaml
from council_backend.sites import WEEKDAYS, site_json
from council_backend.validation import BIN_TYPES, iso_date, json_body, query_param, text_field, uprn_value

blueprint = Blueprint("waste", __name__)
INTERVAL_DAYS = {"weekly": 7, "fortnightly": 14}
FREQUENCY_WORDS = {"weekly": "every week", "fortnightly": "every other week"}
MAX_ITEM_RESULTS = 5
STOP_WORDS = {"a", "an", "the", "my", "of", "old", "used", "empty", "some", "and", "or", "in", "bin", "i", "can"}


@lru_cache(maxsize=4)
def _rules(seed_dir: str) -> dict[str, Any]:
    data = load_yaml(Path(seed_dir), "waste.yml")
    return {
        "day_ends": time.fromisoformat(str(data["collection_day_ends"])),
        "window": int(data["report_window_days"]),
        "return_within": int(data["return_within_working_days"]),
    }


def rules() -> dict[str, Any]:
    """The missed-bin rules from `seed/waste.yml` (when a day is over, how long reports stay open)."""
    return _rules(current_app.config["SEED_DIR"])


def collects_on(collection_round: CollectionRound, day: date) -> bool:
    """Whether a round empties its bins on a given date."""
    interval = INTERVAL_DAYS[collection_round.frequency]
    return (day - collection_round.anchor_date).days % interval == 0


def next_collection(collection_round: CollectionRound, today: date) -> date:
    """The round's first collection today or later (today counts: the crew may not have come yet)."""
    offset = (collection_round.anchor_date - today).days % INTERVAL_DAYS[collection_round.frequency]
    return today + timedelta(days=offset)


def last_collection(collection_round: CollectionRound, today: date) -> date:
    """The round's most recent collection on or before today: the one a resident may report as missed.

    On collection day that is today, so a report made before the day is over is refused with
    the reason, rather than being filed against last week's collection.
    """
    upcoming = next_collection(collection_round, today)
    if upcoming == today:
        return today
    return upcoming - timedelta(days=INTERVAL_DAYS[collection_round.frequency])


def add_working_days(start: date, days: int) -> date:
    """Count forward over Monday to Friday only."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@blueprint.get("/waste/collections")
def collections() -> Response:
    """List each bin at an address with its collection day and next and last collection dates."""
    address = get_address(uprn_value(query_param("uprn")))
    now = clock.now()
    today = now.date()
    rows = []
    for collection_round in address.rounds:
        last = last_collection(collection_round, today)
        rows.append(
            {
                "bin_type": collection_round.bin_type,
                "collection_day": WEEKDAYS[collection_round.weekday],
                "frequency": collection_round.frequency,
                "next_collection": next_collection(collection_round, today).isoformat(),
                "last_collection": last.isoformat(),
                "missed_report": missed_report_state(last, now),
            }
        )
    rows.sort(key=lambda row: (row["next_collection"], BIN_TYPES.index(row["bin_type"])))
    return jsonify(rows)


def missed_report_state(collection_date: date, now: datetime) -> str:
    """Whether a collection can be reported as missed now: `open`, `not_over` (its day is not over) or `too_late`.

    The same rules as POST /waste/missed, so an assistant can check them before asking a resident to confirm.
    """
    limits = rules()
    today = now.date()
    if collection_date > today or (collection_date == today and now.time() < limits["day_ends"]):
        return "not_over"
    if (today - collection_date).days > limits["window"]:
        return "too_late"
    return "open"


@blueprint.post("/waste/missed")
def report_missed() -> Response:
    """Record a missed bin, refusing reports the crews could not act on (too early, too late, twice)."""
    data = json_body()
    uprn = uprn_value(text_field(data, "uprn", 12))
    bin_type = text_field(data, "bin_type", 20)
    if bin_type not in BIN_TYPES:
        raise invalid(f"bin_type must be one of: {', '.join(BIN_TYPES)}.")
    collection_date = iso_date(data.get("collection_date"), "collection_date")
    address = get_address(uprn)
    collection_round = next((r for r in address.rounds if r.bin_type == bin_type), None)
    if collection_round is None:
        raise ApiError(422, "not_a_collection_day", f"This address has no {bin_name(bin_type)} collection.")
    limits = rules()
    now = clock.now()
    today = now.date()
    words = {"bin": bin_name(bin_type), "date": collection_date.isoformat()}

    if not collects_on(collection_round, collection_date):
        raise ApiError(
            422,
            "not_a_collection_day",
            message(
                "missed_bin.not_a_collection_day",
                frequency=FREQUENCY_WORDS[collection_round.frequency],
                day=f"{WEEKDAYS[collection_round.weekday].capitalize()}s",
                **words,
            ),
        )
    state = missed_report_state(collection_date, now)
    if state == "not_over":
        raise ApiError(
            422,
            "collection_not_over",
            message("missed_bin.collection_not_over", day_ends=_spoken_time(limits["day_ends"]), **words),
        )
    if state == "too_late":
        raise ApiError(422, "too_late", message("missed_bin.too_late", window=limits["window"], **words))

    db_session = db.session()
    existing = db_session.execute(
        select(MissedBinReport).where(
            MissedBinReport.uprn == uprn,
            MissedBinReport.bin_type == bin_type,
            MissedBinReport.collection_date == collection_date,
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise _duplicate(existing.reference, words)
    report = MissedBinReport(
        uprn=uprn,
        bin_type=bin_type,
        collection_date=collection_date,
        expected_by=add_working_days(today, limits["return_within"]),
        reported_at=clock.to_db(now),
    )
    try:
        report.reference = f"MB-{db.next_number(db_session, 'missed_bin'):06d}"
        db_session.add(report)
        db_session.commit()
    except IntegrityError:
        # Another request recorded the same bin between our check and our insert.
        db_session.rollback()
        raise _duplicate(_existing_reference(uprn, bin_type, collection_date), words) from None
    response = jsonify(
        {
            "reference": report.reference,
            "uprn": uprn,
            "bin_type": bin_type,
            "collection_date": collection_date.isoformat(),
            "expected_by": report.expected_by.isoformat(),
        }
    )
    response.status_code = 201
    return response


def _spoken_time(moment: time) -> str:
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def _existing_reference(uprn: str, bin_type: str, collection_date: date) -> str:
    return (
        db.session()
        .execute(
            select(MissedBinReport.reference).where(
                MissedBinReport.uprn == uprn,
                MissedBinReport.bin_type == bin_type,
                MissedBinReport.collection_date == collection_date,
            )
        )
        .scalar_one()
    )


def _duplicate(reference: str, words: dict[str, str]) -> ApiError:
    return ApiError(
        409,
        "duplicate_report",
        message("missed_bin.duplicate_report", reference=reference, **words),
        reference=reference,
    )


def _normalise_words(text: str) -> list[str]:
    """Lower-case words with simple English plurals folded, so "pizza boxes" matches "pizza box"."""
    words = []
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if len(word) > 4 and word.endswith(("xes", "ches", "shes", "sses")):
            word = word[:-2]
        elif len(word) > 3 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


def _match_score(query_words: list[str], name: str) -> float:
    """Score how well a query names an item: exact, then prefix, then all words, then typo-close."""
    name_words = _normalise_words(name)
    if not name_words:
        return 0.0
    query_text, name_text = " ".join(query_words), " ".join(name_words)
    if query_text == name_text:
        return 100.0
    if name_text.startswith(query_text):
        return 85.0
    meaningful = [word for word in query_words if word not in STOP_WORDS] or query_words
    if set(name_words) <= set(meaningful):
        return 70.0 + len(name_words)
    overlap = len(set(meaningful) & set(name_words)) / len(set(meaningful))
    fuzzy = difflib.SequenceMatcher(None, query_text, name_text).ratio()
    return max(60.0 * overlap, 75.0 * fuzzy if fuzzy >= 0.8 else 0.0)


@blueprint.get("/waste/items")
def lookup_item() -> Response:
    """Search the recycling A to Z, best match first (at most 5), so "pizza box" finds "Pizza boxes"."""
    query_words = _normalise_words(query_param("q"))
    if not query_words:
        raise invalid("q must contain at least one letter or number.")
    items = db.session().execute(select(RecyclingItem)).scalars().all()
    scored = []
    for entry in items:
        score = max(_match_score(query_words, name) for name in [entry.item, *entry.aliases])
        if score >= 30:
            scored.append((-score, entry.item, entry))
    scored.sort(key=lambda row: (row[0], row[1]))
    return jsonify(
        [
            {"item": entry.item, "bin_type": entry.bin_type, "note": entry.note}
            for _, _, entry in scored[:MAX_ITEM_RESULTS]
        ]
    )


@blueprint.get("/recycling-centres")
def recycling_centres() -> Response:
    """List recycling centres with hours, closures of the next 12 months and what they accept."""
    rows = (
        db.session()
        .execute(select(Site).where(Site.kind == "recycling_centre").order_by(Site.sort_order))
        .scalars()
        .all()
    )
    today = clock.today()
    return jsonify([site_json(row, today, with_accepts=True) for row in rows])
