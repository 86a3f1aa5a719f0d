"""Connectors for addresses, waste, council tax, planning, libraries, contacts and cases, over real HTTP."""

from datetime import date

import pytest
import requests

from connectors.addresses import Address, AddressConnector
from connectors.cases import CasesConnector
from connectors.contacts import ContactsConnector
from connectors.council_tax import CouncilTaxConnector
from connectors.errors import NotFound, Rejected
from connectors.libraries import LibrariesConnector
from connectors.planning import PlanningConnector
from connectors.settings import ConnectorSettings
from connectors.waste import WasteConnector

# The backend's clock is fixed at Wednesday 2 December 2026, 10:00 (tests/backend_server.py).
MILL_LANE = "100090000001"
STATION_COURT_FLAT_2 = "100090000008"
STATION_COURT_FLAT_3 = "100090000009"
ORCHARD_CLOSE = "100090000014"
CHURCH_STREET = "100090000018"


def test_find_by_postcode_returns_addresses_in_street_order(settings):
    found = AddressConnector(settings).find_by_postcode("fb3 7qe")
    assert [a.address for a in found] == [f"{n} Orchard Close, Fernbridge" for n in (2, 4, 6, 8)]
    assert isinstance(found[0], Address)
    assert found[0].postcode == "FB3 7QE"
    assert isinstance(found[0].lat, float)


def test_find_by_unknown_postcode_raises_not_found(settings):
    with pytest.raises(NotFound) as error:
        AddressConnector(settings).find_by_postcode("SW1A 1AA")
    assert error.value.code == "unknown_postcode"


def test_find_by_invalid_postcode_raises_rejected(settings):
    with pytest.raises(Rejected) as error:
        AddressConnector(settings).find_by_postcode("not a postcode")
    assert error.value.code == "invalid_postcode"
    assert "FB1 2AA" in error.value.message


def test_get_address_by_uprn(settings):
    assert AddressConnector(settings).get(MILL_LANE).address == "1 Mill Lane, Fernbridge"
    with pytest.raises(NotFound):
        AddressConnector(settings).get("100090000099")


def test_collections_give_dates(settings):
    collections = WasteConnector(settings).collections(MILL_LANE)
    general = next(c for c in collections if c.bin_type == "general")
    assert general.next_collection == date(2026, 12, 2)
    assert general.last_collection == date(2026, 12, 2)  # collection day counts
    assert general.collection_day == "wednesday"
    assert general.frequency == "fortnightly"
    assert {c.bin_type for c in collections} == {"general", "recycling", "food", "garden", "glass"}


def test_collections_for_unknown_uprn_raise_not_found(settings):
    with pytest.raises(NotFound) as error:
        WasteConnector(settings).collections("100090000099")
    assert error.value.code == "unknown_uprn"


def test_missed_bin_after_the_collection_is_accepted(settings):
    receipt = WasteConnector(settings).report_missed(STATION_COURT_FLAT_2, "general", date(2026, 11, 30))
    assert receipt.reference.startswith("MB-")
    assert receipt.collection_date == date(2026, 11, 30)
    assert receipt.expected_by == date(2026, 12, 4)


def test_missed_bin_before_the_collection_is_over_is_rejected(settings):
    with pytest.raises(Rejected) as error:
        WasteConnector(settings).report_missed(MILL_LANE, "general", date(2026, 12, 2))
    assert error.value.code == "collection_not_over"
    assert error.value.status == 422
    assert "5pm" in error.value.message


def test_missed_bin_reported_twice_is_rejected_as_duplicate(settings):
    waste = WasteConnector(settings)
    first = waste.report_missed(ORCHARD_CLOSE, "general", date(2026, 12, 1))
    with pytest.raises(Rejected) as error:
        waste.report_missed(ORCHARD_CLOSE, "general", date(2026, 12, 1))
    assert error.value.code == "duplicate_report"
    assert error.value.status == 409
    assert error.value.details["reference"] == first.reference


def test_missed_bin_too_late_or_on_the_wrong_day_is_rejected(settings):
    waste = WasteConnector(settings)
    with pytest.raises(Rejected) as late:
        waste.report_missed(CHURCH_STREET, "general", date(2026, 11, 27))
    assert late.value.code == "too_late"
    with pytest.raises(Rejected) as wrong_day:
        waste.report_missed(STATION_COURT_FLAT_3, "general", date(2026, 12, 1))
    assert wrong_day.value.code == "not_a_collection_day"


def test_missed_bin_for_unknown_uprn_raises_not_found(settings):
    with pytest.raises(NotFound):
        WasteConnector(settings).report_missed("100090000099", "general", date(2026, 11, 30))


def test_lookup_item_best_match_first(settings):
    advice = WasteConnector(settings).lookup_item("pizza box")
    assert advice[0].item == "Pizza boxes"
    assert advice[0].bin_type == "recycling"
    assert WasteConnector(settings).lookup_item("spaceship") == []


def test_recycling_centres_are_sites_with_hours_and_closures(settings):
    centres = WasteConnector(settings).recycling_centres()
    hollow_road = centres[0]
    assert hollow_road.name == "Hollow Road Recycling Centre"
    assert "batteries" in hollow_road.accepts
    assert hollow_road.hours_on(date(2026, 12, 6)) == "09:00-16:00"  # a Sunday
    assert hollow_road.hours_on(date(2026, 12, 25)) is None
    assert hollow_road.closure_on(date(2026, 12, 25)).reason == "Christmas Day"


def test_libraries_are_sites(settings):
    libraries = LibrariesConnector(settings).libraries()
    assert [lib.name for lib in libraries] == ["Central Library", "Millbrook Library", "Eastgate Library"]
    millbrook = libraries[1]
    assert millbrook.opening_hours["monday"] is None
    assert millbrook.hours_on(date(2026, 12, 29)) is None  # staff training
    assert millbrook.accepts == []


def test_council_tax_band(settings):
    band = CouncilTaxConnector(settings).band(MILL_LANE)
    assert (band.band, band.annual_charge, band.financial_year) == ("C", 1941.6, "2026/27")
    with pytest.raises(NotFound):
        CouncilTaxConnector(settings).band("100090000099")


def test_planning_application(settings):
    application = PlanningConnector(settings).application("25/00321/HOU")
    assert application.status == "under_consideration"
    assert application.decision is None
    assert application.received_date == date(2025, 11, 3)
    with pytest.raises(NotFound):
        PlanningConnector(settings).application("24/99999/FUL")
    with pytest.raises(Rejected) as error:
        PlanningConnector(settings).application("my extension")
    assert error.value.code == "invalid_reference"


def test_contacts_and_out_of_hours_numbers(settings):
    contacts = ContactsConnector(settings)
    assert len(contacts.contacts()) == 12
    housing = contacts.contact("housing")
    assert housing.out_of_hours_phone == "01632 960911"
    assert contacts.contact("planning").out_of_hours_phone is None
    with pytest.raises(Rejected):
        contacts.contact("dragons")


def test_create_case_returns_a_reference(settings):
    receipt = CasesConnector(settings).create_case(
        "Resident asked to speak to a person",
        conversation_id="conv-1",
        transcript_url="https://chat.fernbridge.gov.example/t/conv-1",
        channel="voice",
        name="Ann Example",
        phone="01632 960123",
    )
    assert receipt.reference.startswith("CC-")
    assert "phone" in receipt.expected_response


def test_create_case_with_huge_reason_is_rejected(settings):
    with pytest.raises(Rejected) as error:
        CasesConnector(settings).create_case("x" * 6000)
    assert error.value.code == "invalid_request"


def test_bad_api_key_is_rejected(backend):
    wrong = ConnectorSettings(council_api_url=backend.url, council_api_key="wrong")
    with pytest.raises(Rejected) as error:
        AddressConnector(wrong).find_by_postcode("FB1 2AA")
    assert error.value.code == "invalid_api_key"
    assert error.value.status == 401
    with pytest.raises(Rejected):
        LibrariesConnector(ConnectorSettings(council_api_url=backend.url)).libraries()


def test_backend_serves_openapi_and_health(backend):
    assert requests.get(f"{backend.url}/health", timeout=3).json() == {"status": "ok"}
    document = requests.get(f"{backend.url}/openapi.json", headers={"X-Api-Key": backend.api_key}, timeout=3).json()
    assert "/cases" in document["paths"]
