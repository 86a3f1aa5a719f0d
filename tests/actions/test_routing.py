"""A bare value with no question open is routed by what it names (actions/routing.py), never "Thanks"."""

import asyncio
from datetime import date
from types import SimpleNamespace

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.contact as contact_module
import actions.waste as waste_module
from actions.routing import ActionRouteInform, previous_action
from connectors.errors import ServiceUnavailable
from connectors.waste import Collection
from tests.actions.helpers import response_names, run, tracker

ROUTE = ActionRouteInform()


def _entity(name, value):
    return {"entity": name, "value": value}


def _route(entities, slots=None, events=None, domain=None):
    dispatcher = CollectingDispatcher()
    current = tracker(slots=slots, intent="inform", entities=entities, events=events)
    events = asyncio.run(ROUTE.run(dispatcher, current, domain or {"actions": []}))
    return events, dispatcher.messages


def test_a_problem_type_alone_starts_the_report_with_the_type_filled():
    events, messages = _route([_entity("problem_type", "pothole")], slots={"problem_type": "pothole"})
    assert events == [FollowupAction("problem_report_form")]
    assert messages == []


def test_a_bin_alone_asks_what_to_do_about_it_with_buttons_carrying_the_bin():
    _, messages = _route([_entity("bin_type", "recycling")])
    assert response_names(messages) == ["utter_topic_bin"]
    assert messages[0]["bin_type"] == "recycling"
    assert messages[0]["bin_name"] == "blue recycling bin"


def test_the_garden_bin_offers_the_subscription_too():
    _, messages = _route([_entity("bin_type", "garden")])
    assert response_names(messages) == ["utter_topic_garden_bin"]


@pytest.mark.parametrize(
    ("department", "menu"),
    [("council_tax", "utter_topic_council_tax"), ("housing", "utter_topic_housing"),
     ("parking", "utter_topic_parking"), ("waste", "utter_topic_waste")],
)
def test_a_topic_with_several_tasks_gets_one_question_with_its_tasks(department, menu):
    events, messages = _route([_entity("department", department)])
    assert response_names(messages) == [menu]
    assert events == [SlotSet("department", None)]


def test_a_postcode_alone_asks_what_to_do_for_that_property():
    _, messages = _route([_entity("postcode", "FB1 2AA")])
    assert response_names(messages) == ["utter_topic_property"]
    assert messages[0]["postcode"] == "FB1 2AA"


def test_an_address_alone_asks_what_to_do_for_it():
    _, messages = _route([_entity("address", "3 Mill Lane")])
    assert response_names(messages) == ["utter_topic_address"]


def test_a_parking_fine_reference_is_answered_by_its_shape():
    events, messages = _route([_entity("reference", "FB12345678")])
    assert response_names(messages) == ["utter_info_parking_fine"]
    assert events == [SlotSet("reference", None)]


def test_nothing_usable_is_out_of_scope_until_the_assistant_has_an_a_to_z():
    events, messages = _route([])
    assert (events, response_names(messages)) == ([], ["utter_out_of_scope"])


def test_nothing_usable_goes_to_the_a_to_z_when_the_domain_has_it():
    events, messages = _route([], domain={"actions": ["action_service_directory"]})
    assert (events, messages) == ([FollowupAction("action_service_directory")], [])


def _bin_day_events():
    return [
        {"event": "user", "text": "when is my bin day"},
        {"event": "action", "name": "bin_day_form"},
        {"event": "action", "name": "action_tell_bin_day"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "what about glass?"},
    ]


def test_a_bin_right_after_the_bin_day_answer_gets_that_bins_day(monkeypatch):
    collections = [
        Collection("general", "wednesday", "fortnightly", date(2026, 12, 9), date(2026, 11, 25)),
        Collection("glass", "friday", "fortnightly", date(2026, 12, 11), date(2026, 11, 27)),
    ]
    fake = SimpleNamespace(waste=SimpleNamespace(collections=lambda uprn: collections))
    monkeypatch.setattr(waste_module, "connectors", lambda: fake)
    slots = {"uprn": "100090000001", "address": "1 Mill Lane", "bin_type": "glass"}
    events, messages = _route([_entity("bin_type", "glass")], slots=slots, events=_bin_day_events())
    assert response_names(messages) == ["utter_bin_day"]
    assert "Glass" in messages[0]["collections"] and "eneral" not in messages[0]["collections"]
    assert events == [SlotSet("bin_type", None)]


def test_previous_action_is_the_one_before_the_latest_message():
    assert previous_action(tracker(events=_bin_day_events())) == "action_tell_bin_day"
    assert previous_action(tracker(events=[{"event": "user", "text": "hi"}])) is None


def test_an_entity_never_gets_a_bare_thanks(monkeypatch):
    def down():
        raise ServiceUnavailable("contacts")

    monkeypatch.setattr(contact_module, "connectors", lambda: SimpleNamespace(contacts=SimpleNamespace(
        contacts=lambda department: down())))
    for entities in ([_entity("location", "Mill Lane")], [_entity("repair_type", "leak")],
                     [_entity("permit_type", "visitor")], [_entity("department", "social_care")]):
        _, messages = _route(entities)
        assert messages, entities
        assert "utter_inform_without_question" not in response_names(messages)


def test_a_department_the_contacts_system_rejects_gets_the_general_contact_point(monkeypatch):
    from actions.contact import ActionContactCouncil
    from connectors.errors import Rejected

    asked = []

    def contacts(department):
        asked.append(department)
        if department != "general":
            raise Rejected("invalid_request", "unknown department")
        return [SimpleNamespace(name="Customer services", phone="01234 567890", hours="9 to 5", email="", url="")]

    monkeypatch.setattr(contact_module, "connectors", lambda: SimpleNamespace(contacts=SimpleNamespace(
        contacts=contacts)))
    current = tracker(slots={"department": "street_cleaning"}, intent="contact_council")
    _, messages = asyncio.run(run(ActionContactCouncil(), current))
    assert asked == ["street_cleaning", "general"]
    assert response_names(messages)[0] == "utter_contact_point"
    assert messages[0]["name"] == "Customer services"
