import asyncio
from dataclasses import dataclass

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.addresses as addresses_module
from actions.addresses import ActionAskUprn, ActionResetAddress, match_address
from actions.waste import ValidateBinDayForm
from connectors.errors import ServiceUnavailable
from tests.actions.helpers import response_names, run, tracker

MILL_LANE = [
    {"uprn": f"10009000000{i}", "address": f"{n} Mill Lane, Fernbridge"} for i, n in enumerate([1, 3, 5, 7], 1)
]
FLATS = [{"uprn": f"2000{i}", "address": f"Flat {i}, Station Court, Station Road"} for i in range(1, 7)]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("number 5", "5 Mill Lane, Fernbridge"),
        ("7 mill lane", "7 Mill Lane, Fernbridge"),
        ("the second one", "3 Mill Lane, Fernbridge"),
        ("last", "7 Mill Lane, Fernbridge"),
        ("100090000001", "1 Mill Lane, Fernbridge"),
        ("2", "3 Mill Lane, Fernbridge"),  # no house 2 on the list: the second address
    ],
)
def test_typed_choice_matches_one_address(said, expected):
    assert match_address(said, MILL_LANE)["address"] == expected


def test_flat_number_matches_the_flat():
    assert match_address("flat 3", FLATS)["address"].startswith("Flat 3,")


def test_unmatched_choice_gives_none():
    assert match_address("the blue house", MILL_LANE) is None
    assert match_address("9", MILL_LANE) is None


@dataclass
class _Address:
    uprn: str
    address: str


class _Addresses:
    def __init__(self, found=None, error=None):
        self.found, self.error = found or [], error

    def find_by_postcode(self, postcode):
        if self.error:
            raise self.error
        return self.found


class _Connectors:
    def __init__(self, addresses):
        self.addresses = addresses


def _validate_postcode(monkeypatch, value, addresses, slots=None):
    monkeypatch.setattr(addresses_module, "connectors", lambda: _Connectors(addresses))
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateBinDayForm().validate_postcode(value, dispatcher, tracker(slots=slots), {})
    )
    return result, dispatcher.messages


def test_postcode_is_normalised_and_addresses_kept_for_the_question(monkeypatch):
    found = [_Address(o["uprn"], o["address"]) for o in MILL_LANE]
    result, messages = _validate_postcode(monkeypatch, "fb12aa", _Addresses(found))
    assert result == {"postcode": "FB1 2AA", "address_options": MILL_LANE, "uprn": None}
    assert messages == []


def test_address_named_earlier_is_picked_without_asking(monkeypatch):
    found = [_Address(o["uprn"], o["address"]) for o in MILL_LANE]
    result, _ = _validate_postcode(monkeypatch, "FB1 2AA", _Addresses(found), slots={"address": "5 Mill Lane"})
    assert result["uprn"] == "100090000003"


def test_invalid_postcode_is_refused_without_calling_the_council(monkeypatch):
    result, messages = _validate_postcode(monkeypatch, "not a postcode", _Addresses(error=AssertionError("called")))
    assert result == {"postcode": None}
    assert response_names(messages) == ["utter_postcode_invalid"]


def test_postcode_with_no_addresses_is_explained(monkeypatch):
    result, messages = _validate_postcode(monkeypatch, "ZZ9 9ZZ", _Addresses([]))
    assert result == {"postcode": None}
    assert response_names(messages) == ["utter_postcode_not_found"]


def test_address_service_down_ends_the_form_politely(monkeypatch):
    result, messages = _validate_postcode(monkeypatch, "FB1 2AA", _Addresses(error=ServiceUnavailable("down")))
    assert result == {"postcode": None, "requested_slot": None}
    assert response_names(messages) == ["utter_service_unavailable"]
    assert messages[0]["service"] == "address"


def test_address_question_offers_each_address_as_a_button():
    events, messages = asyncio.run(run(ActionAskUprn(), tracker(slots={"address_options": MILL_LANE[:2]})))
    assert events == []
    assert response_names(messages) == ["utter_ask_uprn"]
    assert messages[0]["buttons"] == [
        {"title": "1 Mill Lane, Fernbridge", "payload": '/inform{"uprn": "100090000001"}'},
        {"title": "3 Mill Lane, Fernbridge", "payload": '/inform{"uprn": "100090000002"}'},
    ]


def test_wrong_address_forgets_everything_about_the_property():
    events, messages = asyncio.run(run(ActionResetAddress(), tracker(slots={"postcode": "FB1 2AA"})))
    assert response_names(messages) == ["utter_address_reset"]
    assert [e["name"] for e in events] == ["postcode", "uprn", "address", "address_options", "missed_collection_date"]
    assert all(e["value"] is None for e in events)
