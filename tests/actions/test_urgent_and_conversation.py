import asyncio
from urllib.parse import urlsplit

import pytest
from rasa_sdk.events import ActiveLoop

from actions.conversation import ActionCancel, ActionOutOfScope, clear_form_slots
from actions.council import load_profile
from actions.urgent import ActionUrgentRoute
from actions.urgent_routes import URGENT_INTENTS
from tests.actions.helpers import response_names, run, tracker


def test_urgent_route_answers_first_and_ends_the_running_form():
    events, messages = asyncio.run(
        run(ActionUrgentRoute(), tracker(intent="homeless_urgent", active_loop="bin_day_form"))
    )
    assert response_names(messages) == ["utter_homeless_urgent"]
    assert messages[0]["out_of_hours_phone"] == "01632 960999"
    assert messages[0]["link"].startswith("https://")
    assert events == [ActiveLoop(None), *clear_form_slots()]


def test_urgent_route_outside_a_form_changes_nothing_else():
    events, messages = asyncio.run(run(ActionUrgentRoute(), tracker(intent="safeguarding_concern")))
    assert response_names(messages) == ["utter_safeguarding_concern"]
    assert events == []


def test_urgent_route_defaults_to_danger_for_an_unexpected_intent():
    _, messages = asyncio.run(run(ActionUrgentRoute(), tracker(intent="greet")))
    assert response_names(messages) == ["utter_immediate_danger"]


def test_cancel_inside_a_form_deactivates_it_and_clears_its_slots():
    events, messages = asyncio.run(
        run(ActionCancel(), tracker(slots={"postcode": "FB1 2AA"}, intent="cancel", active_loop="missed_bin_form"))
    )
    assert response_names(messages) == ["utter_cancelled"]
    assert events[0] == ActiveLoop(None)
    assert {"event": "slot", "timestamp": None, "name": "postcode", "value": None} in events


def test_cancel_with_nothing_running_says_so():
    events, messages = asyncio.run(run(ActionCancel(), tracker(intent="cancel")))
    assert (events, response_names(messages)) == ([], ["utter_nothing_to_cancel"])


def test_out_of_scope_offers_a_person():
    events, messages = asyncio.run(run(ActionOutOfScope(), tracker(intent="nlu_fallback")))
    assert (events, response_names(messages)) == ([], ["utter_out_of_scope"])


def on_page(url: str, active_loop: str | None = None):
    current = tracker(intent="nlu_fallback", text="how much is it?", active_loop=active_loop)
    current.latest_message["metadata"] = {"page": {"url": url, "title": "Garden waste"}}
    return current


def test_vague_question_on_a_council_page_gets_that_pages_answer():
    page = load_profile().links["garden_waste_subscription"]
    events, messages = asyncio.run(run(ActionOutOfScope(), on_page(page)))
    assert (events, response_names(messages)) == ([], ["utter_info_garden_waste_subscription"])
    assert messages[0]["link"] == page
    # the demonstration site has other hosts: the path is what names the page
    other_host = "http://127.0.0.1:8090" + urlsplit(page).path
    assert response_names(asyncio.run(run(ActionOutOfScope(), on_page(other_host)))[1]) == [
        "utter_info_garden_waste_subscription"]


def test_vague_question_on_an_unknown_page_or_inside_a_form_is_out_of_scope():
    for current in (on_page("https://www.fernbridge.gov.example/news"),
                    on_page(load_profile().links["garden_waste_subscription"], active_loop="bin_day_form")):
        _, messages = asyncio.run(run(ActionOutOfScope(), current))
        assert response_names(messages) == ["utter_out_of_scope"]


@pytest.mark.parametrize("intent", URGENT_INTENTS)
def test_every_urgent_route_utters_its_own_response_with_the_councils_numbers(intent):
    events, messages = asyncio.run(run(ActionUrgentRoute(), tracker(intent=intent, active_loop="problem_report_form")))
    assert response_names(messages) == [f"utter_{intent}"]
    assert messages[0]["out_of_hours_phone"] == "01632 960999"
    assert messages[0]["council_phone"] == "01632 960000"
    assert messages[0]["link"].startswith("https://www.fernbridge.gov.example")
    assert events == [ActiveLoop(None), *clear_form_slots()]


def test_new_routes_have_their_own_page_on_the_council_site():
    from actions.council import profile

    for intent in ("suicide_self_harm", "domestic_abuse", "home_flooding"):
        assert profile().link(intent) != profile().website
