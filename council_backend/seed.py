"""Load the fictional council's data from `seed/*.yml` into an empty database."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from council_backend import clock
from council_backend.models import (
    Address,
    AddressRound,
    Base,
    CollectionRound,
    Contact,
    CouncilTaxCharge,
    Counter,
    DirectoryService,
    Open311Service,
    PlanningApplication,
    RecyclingItem,
    ServiceRequest,
    Site,
)
from council_backend.sites import WEEKDAYS, check_opening_hours
from council_backend.validation import BIN_TYPES

SEED_DIR = Path(__file__).resolve().parent / "seed"
ITEM_BIN_TYPES = (*BIN_TYPES, "recycling_centre", "not_accepted")
FREQUENCIES = ("weekly", "fortnightly")
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
log = logging.getLogger(__name__)


def load_yaml(seed_dir: Path, name: str) -> dict[str, Any]:
    """Read one seed file."""
    with open(seed_dir / name, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=YAML_LOADER)  # noqa: S506 - a safe loader, C version when built


def as_date(value: Any) -> date | None:
    """YAML reads unquoted dates as dates and quoted ones as strings: accept both."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def seed_database(engine: Engine, seed_dir: Path, now: datetime) -> bool:
    """Create the tables and, if the database holds no addresses yet, load every seed file.

    Returns True when this call loaded the data. Safe to call on every start-up, and from two
    processes at once: the loser of the race rolls back.
    """
    Base.metadata.create_all(engine)
    seed_directory(engine, seed_dir)
    with Session(engine, future=True) as db_session:
        if db_session.execute(select(func.count()).select_from(Address)).scalar():
            return False
        try:
            _load_all(db_session, seed_dir, now)
            db_session.commit()
        except IntegrityError:
            db_session.rollback()
            if not db_session.execute(select(func.count()).select_from(Address)).scalar():
                raise
            log.info("Another process seeded the database first")
            return False
    log.info("Seeded the database from %s", seed_dir)
    return True


def _load_all(db_session: Session, seed_dir: Path, now: datetime) -> None:
    council = load_yaml(seed_dir, "council.yml")
    _load_addresses(db_session, load_yaml(seed_dir, "addresses.yml"))
    db_session.flush()
    _load_rounds(db_session, load_yaml(seed_dir, "waste.yml"))
    _load_council_tax(db_session, load_yaml(seed_dir, "council_tax.yml"))
    _load_planning(db_session, load_yaml(seed_dir, "planning.yml"))
    _load_sites(db_session, load_yaml(seed_dir, "libraries.yml")["libraries"], "library")
    _load_sites(db_session, load_yaml(seed_dir, "recycling_centres.yml")["recycling_centres"], "recycling_centre")
    _load_contacts(db_session, load_yaml(seed_dir, "contacts.yml"))
    _load_a_to_z(db_session, load_yaml(seed_dir, "recycling_a_to_z.yml"))
    last_request_id = _load_open311(db_session, load_yaml(seed_dir, "open311.yml"), now)
    counters = council["reference_counters"]
    db_session.add_all(
        [
            Counter(name="missed_bin", value=int(counters["missed_bin"])),
            Counter(name="case", value=int(counters["case"])),
            Counter(name="service_request", value=last_request_id),
        ]
    )


def seed_directory(engine: Engine, seed_dir: Path) -> bool:
    """Load the A to Z (`services.yml`) when its table is empty, also into a database seeded before it existed.

    Staff add residents' words to a service's terms in the database, so a loaded directory is never reloaded.
    """
    with Session(engine, future=True) as db_session:
        if db_session.execute(select(func.count()).select_from(DirectoryService)).scalar():
            return False
        try:
            for order, row in enumerate(load_yaml(seed_dir, "services.yml")["services"]):
                db_session.add(directory_service(row, order))
            db_session.commit()
        except IntegrityError:
            db_session.rollback()  # another process loaded it first
            return False
    return True


def directory_service(row: dict[str, Any], order: int) -> DirectoryService:
    """Check one service of `services.yml` and make its row: a bad entry stops start-up with its id."""
    missing = [key for key in ("id", "title", "answer", "url", "department", "terms") if not row.get(key)]
    if missing:
        raise ValueError(f"services.yml: service {row.get('id', order)} has no {', '.join(missing)}")
    return DirectoryService(
        id=str(row["id"]),
        title=str(row["title"]),
        answer=str(row["answer"]),
        url=str(row["url"]),
        department=str(row["department"]),
        terms=[str(term) for term in row["terms"]],
        task=row.get("task"),
        task_entities=row.get("task_entities"),
        sort_order=order,
    )


def _load_addresses(db_session: Session, data: dict[str, Any]) -> None:
    for order, row in enumerate(data["addresses"]):
        db_session.add(
            Address(
                uprn=str(row["uprn"]),
                address=row["address"],
                town=data["town"],
                postcode=row["postcode"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                council_tax_band=row["council_tax_band"],
                sort_order=order,
            )
        )


def _load_rounds(db_session: Session, data: dict[str, Any]) -> None:
    week_a = as_date(data["week_a_starts"])
    if week_a.weekday() != 0:
        raise ValueError("waste.yml: week_a_starts must be a Monday")
    addresses = db_session.execute(select(Address)).scalars().all()
    covered: set[tuple[str, str]] = set()
    links: list[AddressRound] = []
    for row in data["rounds"]:
        if row["bin_type"] not in BIN_TYPES or row["frequency"] not in FREQUENCIES:
            raise ValueError(f"waste.yml: round {row['code']} has an unknown bin type or frequency")
        weekday = WEEKDAYS.index(row["day"])
        week_offset = 7 if row.get("week") == "B" else 0
        anchor = week_a + timedelta(days=week_offset + weekday)
        db_session.add(
            CollectionRound(
                code=row["code"],
                bin_type=row["bin_type"],
                weekday=weekday,
                frequency=row["frequency"],
                anchor_date=anchor,
            )
        )
        for address in addresses:
            if address.postcode in row["postcodes"]:
                key = (address.uprn, row["bin_type"])
                if key in covered:
                    raise ValueError(f"waste.yml: {address.uprn} has two {row['bin_type']} rounds")
                covered.add(key)
                links.append(AddressRound(uprn=address.uprn, round_code=row["code"]))
    missing = {(a.uprn, b) for a in addresses for b in BIN_TYPES} - covered
    if missing:
        raise ValueError(f"waste.yml: addresses without a round: {sorted(missing)[:5]}")
    db_session.flush()  # rounds before the links that point at them
    db_session.add_all(links)


def _load_council_tax(db_session: Session, data: dict[str, Any]) -> None:
    for year in data["financial_years"]:
        for band, charge in year["charges"].items():
            db_session.add(
                CouncilTaxCharge(
                    financial_year=year["year"],
                    band=band,
                    year_starts=as_date(year["starts"]),
                    annual_charge_pence=int(Decimal(str(charge)) * 100),
                )
            )


def _load_planning(db_session: Session, data: dict[str, Any]) -> None:
    for row in data["applications"]:
        db_session.add(
            PlanningApplication(
                reference=row["reference"],
                address=row["address"],
                proposal=row["proposal"],
                status=row["status"],
                decision=row.get("decision"),
                received_date=as_date(row["received_date"]),
                decision_due=as_date(row.get("decision_due")),
                decision_date=as_date(row.get("decision_date")),
                url=row["url"],
            )
        )


def _load_sites(db_session: Session, rows: list[dict[str, Any]], kind: str) -> None:
    for order, row in enumerate(rows):
        rules = []
        for rule in row.get("closures", []):
            if "every_year" in rule:
                rules.append({"every_year": str(rule["every_year"]), "reason": rule["reason"]})
            else:
                rules.append({"date": as_date(rule["date"]).isoformat(), "reason": rule["reason"]})
        db_session.add(
            Site(
                id=row["id"],
                kind=kind,
                name=row["name"],
                address=row["address"],
                url=row["url"],
                opening_hours=check_opening_hours(row["opening_hours"], row["id"]),
                closure_rules=rules,
                accepts=list(row.get("accepts", [])),
                sort_order=order,
            )
        )


def _load_contacts(db_session: Session, data: dict[str, Any]) -> None:
    for order, row in enumerate(data["contacts"]):
        db_session.add(Contact(sort_order=order, **row))


def _load_a_to_z(db_session: Session, data: dict[str, Any]) -> None:
    for row in data["items"]:
        if row["bin_type"] not in ITEM_BIN_TYPES:
            raise ValueError(f"recycling_a_to_z.yml: {row['item']} has unknown bin_type {row['bin_type']}")
        db_session.add(
            RecyclingItem(
                item=row["item"],
                bin_type=row["bin_type"],
                note=row["note"],
                aliases=[str(alias) for alias in row.get("aliases", [])],
            )
        )


def _relative(now: datetime, when: dict[str, Any]) -> datetime:
    """Turn `{days_ago: 12, at: "08:42"}` into a London instant relative to the seeding clock."""
    day = now.date() - timedelta(days=int(when["days_ago"]))
    moment = datetime.combine(day, time.fromisoformat(str(when["at"])), tzinfo=clock.LONDON)
    return min(moment, now)


def _load_open311(db_session: Session, data: dict[str, Any], now: datetime) -> int:
    for order, row in enumerate(data["services"]):
        db_session.add(
            Open311Service(
                service_code=row["service_code"],
                service_name=row["service_name"],
                description=row["description"],
                metadata_=bool(row["metadata"]),
                type=row["type"],
                keywords=row["keywords"],
                group=row["group"],
                agency_responsible=row["agency_responsible"],
                service_notice=row["service_notice"],
                attributes=row.get("attributes", []),
                sort_order=order,
            )
        )
    db_session.flush()
    last_id = 0
    for row in data["requests"]:
        requested = _relative(now, row["requested"])
        updated = max(_relative(now, row["updated"]), requested)
        last_id = max(last_id, int(row["service_request_id"]))
        db_session.add(
            ServiceRequest(
                id=int(row["service_request_id"]),
                service_code=row["service_code"],
                status=row["status"],
                status_notes=row.get("status_notes"),
                description=row["description"],
                address=row.get("address"),
                address_id=row.get("address_id"),
                postcode=row.get("postcode"),
                lat=row.get("lat"),
                lon=row.get("long"),
                attributes={str(k): str(v) for k, v in (row.get("attributes") or {}).items()},
                requested_at=clock.to_db(requested),
                updated_at=clock.to_db(updated),
            )
        )
    return last_id
