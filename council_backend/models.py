"""Database tables of the reference backend (SQLAlchemy 1.4 ORM)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Address(Base):
    """A residential property, keyed by its UPRN, which every other service uses."""

    __tablename__ = "addresses"

    uprn = Column(String(12), primary_key=True)
    address = Column(String(200), nullable=False)
    town = Column(String(100), nullable=False)
    postcode = Column(String(8), nullable=False, index=True)
    lat = Column(Float, nullable=False)
    lon = Column(Float, nullable=False)
    council_tax_band = Column(String(1), nullable=False)
    sort_order = Column(Integer, nullable=False, default=0)

    rounds = relationship("CollectionRound", secondary="address_rounds", lazy="selectin")

    @property
    def full_address(self) -> str:
        """The address as a resident would say it, with the town but without the postcode."""
        return f"{self.address}, {self.town}"


class CollectionRound(Base):
    """A bin crew's round: one bin type, one weekday, weekly or every other week."""

    __tablename__ = "collection_rounds"

    code = Column(String(20), primary_key=True)
    bin_type = Column(String(20), nullable=False)
    weekday = Column(Integer, nullable=False)  # Monday is 0
    frequency = Column(String(20), nullable=False)  # weekly | fortnightly
    anchor_date = Column(Date, nullable=False)  # any date the round collects on


class AddressRound(Base):
    """Which round collects which bin at an address."""

    __tablename__ = "address_rounds"

    uprn = Column(String(12), ForeignKey("addresses.uprn"), primary_key=True)
    round_code = Column(String(20), ForeignKey("collection_rounds.code"), primary_key=True)


class MissedBinReport(Base):
    """A resident's report that a bin was not emptied on its collection day."""

    __tablename__ = "missed_bin_reports"
    __table_args__ = (UniqueConstraint("uprn", "bin_type", "collection_date", name="uq_missed_bin_once"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(20), unique=True, nullable=False)
    uprn = Column(String(12), ForeignKey("addresses.uprn"), nullable=False)
    bin_type = Column(String(20), nullable=False)
    collection_date = Column(Date, nullable=False)
    expected_by = Column(Date, nullable=False)
    reported_at = Column(DateTime, nullable=False)


class CouncilTaxCharge(Base):
    """The annual charge for one band in one financial year."""

    __tablename__ = "council_tax_charges"

    financial_year = Column(String(7), primary_key=True)  # 2026/27
    band = Column(String(1), primary_key=True)
    year_starts = Column(Date, nullable=False)
    annual_charge_pence = Column(Integer, nullable=False)  # whole pence: exact on every database


class PlanningApplication(Base):
    """A planning application, found by its reference (24/01234/FUL)."""

    __tablename__ = "planning_applications"

    reference = Column(String(20), primary_key=True)
    address = Column(String(200), nullable=False)
    proposal = Column(Text, nullable=False)
    status = Column(String(30), nullable=False)
    decision = Column(String(30))
    received_date = Column(Date, nullable=False)
    decision_due = Column(Date)
    decision_date = Column(Date)
    url = Column(String(300), nullable=False)


class Site(Base):
    """A place residents visit: a library or a recycling centre, with hours and closures."""

    __tablename__ = "sites"

    id = Column(String(40), primary_key=True)
    kind = Column(String(20), nullable=False, index=True)  # library | recycling_centre
    name = Column(String(100), nullable=False)
    address = Column(String(200), nullable=False)
    url = Column(String(300), nullable=False)
    opening_hours = Column(JSON, nullable=False)  # {"monday": "09:00-17:00" | None, ...}
    closure_rules = Column(JSON, nullable=False)  # [{"every_year": "12-25" | "date": ..., "reason"}]
    accepts = Column(JSON, nullable=False)  # materials; empty for libraries
    sort_order = Column(Integer, nullable=False, default=0)


class Contact(Base):
    """A department's contact point, with its out-of-hours number where it has one."""

    __tablename__ = "contacts"

    department = Column(String(30), primary_key=True)
    name = Column(String(100), nullable=False)
    phone = Column(String(30), nullable=False)
    email = Column(String(200), nullable=False)
    hours = Column(String(200), nullable=False)
    url = Column(String(300), nullable=False)
    out_of_hours_phone = Column(String(30))
    sort_order = Column(Integer, nullable=False, default=0)


class RecyclingItem(Base):
    """One entry of the recycling A to Z."""

    __tablename__ = "recycling_items"

    id = Column(Integer, primary_key=True, autoincrement=True)
    item = Column(String(100), nullable=False, unique=True)
    bin_type = Column(String(30), nullable=False)
    note = Column(Text, nullable=False)
    aliases = Column(JSON, nullable=False)


class DirectoryService(Base):
    """One service of the council's A to Z: what residents are told, where to go, and their words for it."""

    __tablename__ = "directory_services"

    id = Column(String(80), primary_key=True)  # a stable slug: evaluation sets and button payloads use it
    title = Column(String(200), nullable=False)
    answer = Column(Text, nullable=False)
    url = Column(String(500), nullable=False)
    department = Column(String(30), nullable=False)
    terms = Column(JSON, nullable=False)
    task = Column(String(60))  # the intent of a task the assistant performs itself, if any
    task_entities = Column(JSON)
    sort_order = Column(Integer, nullable=False, default=0)


class Open311Service(Base):
    """An Open311 service (problem type) with its GeoReport v2 attribute definitions."""

    __tablename__ = "open311_services"

    service_code = Column(String(10), primary_key=True)
    service_name = Column(String(100), nullable=False)
    description = Column(Text, nullable=False)
    metadata_ = Column("metadata", Boolean, nullable=False)
    type = Column(String(20), nullable=False)
    keywords = Column(String(300), nullable=False)
    group = Column(String(50), nullable=False)
    agency_responsible = Column(String(200), nullable=False)
    service_notice = Column(Text, nullable=False)
    attributes = Column(JSON, nullable=False)
    sort_order = Column(Integer, nullable=False, default=0)


class ServiceRequest(Base):
    """A street problem reported through Open311; its id is the service_request_id."""

    __tablename__ = "service_requests"

    id = Column(Integer, primary_key=True, autoincrement=False)
    service_code = Column(String(10), ForeignKey("open311_services.service_code"), nullable=False)
    status = Column(String(10), nullable=False)  # open | closed
    status_notes = Column(Text)
    description = Column(Text, nullable=False)
    address = Column(String(500))
    address_id = Column(String(40))
    postcode = Column(String(8))
    lat = Column(Float)
    lon = Column(Float)
    email = Column(String(254))
    first_name = Column(String(100))
    last_name = Column(String(100))
    phone = Column(String(40))
    media_url = Column(String(2000))
    attributes = Column(JSON, nullable=False)
    requested_at = Column(DateTime, nullable=False, index=True)
    updated_at = Column(DateTime, nullable=False)
    expected_at = Column(DateTime)

    service = relationship("Open311Service", lazy="joined")


class Case(Base):
    """A case for the contact centre: a human handover or a call-back request."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(20), unique=True, nullable=False)
    reason = Column(Text, nullable=False)
    department = Column(String(30))
    conversation_id = Column(String(200))
    transcript_url = Column(String(2000))
    channel = Column(String(40), nullable=False)
    contact_name = Column(String(200))
    contact_phone = Column(String(40))
    contact_email = Column(String(254))
    created_at = Column(DateTime, nullable=False)


class IdempotentSubmission(Base):
    """A submission made with an `Idempotency-Key`: a repeat of the key answers this response, not a second report."""

    __tablename__ = "idempotent_submissions"

    scope = Column(String(20), primary_key=True)  # open311 | cases: one key space per endpoint
    key = Column(String(100), primary_key=True)
    fingerprint = Column(String(64), nullable=False)  # what was submitted, to refuse the key reused for another
    status = Column(Integer, nullable=False)
    body = Column(JSON, nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)


class Counter(Base):
    """The last number issued for each kind of reference, incremented inside a transaction."""

    __tablename__ = "counters"

    name = Column(String(30), primary_key=True)
    value = Column(Integer, nullable=False)
