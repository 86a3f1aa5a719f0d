"""The dialogue defects found in the residents' tryout (issue 8, section 4), one test each."""

import asyncio
from datetime import date
from types import SimpleNamespace

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.waste as waste_module
from actions import clock
from actions.contact import validate_contact
from actions.sites import asked_day, tell_site_hours
from actions.streets import ActionAskContactDetails, ValidateProblemReportForm, problem_type_in
from actions.waste import ActionWhatGoesInBin, ValidateMissedBinForm, is_plural
from connectors.waste import Collection, ItemAdvice
from local_stack.services import FIXED_NOW
from tests.actions.helpers import response_names, run, tracker
from tests.actions.test_sites import LIBRARY

ASKED_CONTACT = [
    {"event": "slot", "name": "requested_slot", "value": "contact_details"},
    {"event": "bot", "text": "If you'd like updates, give an email address or phone number."},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "yes"},
]


def test_yes_to_the_contact_question_is_not_called_invalid():
    dispatcher = CollectingDispatcher()
    result = asyncio.run(validate_contact("yes", dispatcher, tracker(intent="affirm", text="yes")))
    assert result == {"contact_details": None}
    assert dispatcher.messages == []


def test_yes_to_the_contact_question_asks_for_the_email_or_phone():
    _, messages = asyncio.run(run(ActionAskContactDetails(), tracker(intent="affirm", events=ASKED_CONTACT)))
    assert response_names(messages) == ["utter_ask_contact_details_after_yes"]


def test_the_contact_question_is_asked_plainly_the_first_time():
    first = [{"event": "slot", "name": "requested_slot", "value": "problem_description"},
             {"event": "user", "text": "deep hole, cars swerve"}]
    _, messages = asyncio.run(run(ActionAskContactDetails(), tracker(intent="inform", events=first)))
    assert response_names(messages) == ["utter_ask_contact_details"]


def test_an_invalid_contact_is_still_explained():
    dispatcher = CollectingDispatcher()
    asyncio.run(validate_contact("call me maybe", dispatcher, tracker(intent="inform")))
    assert response_names(dispatcher.messages) == ["utter_contact_details_invalid"]


def _missed_bin(monkeypatch, state):
    # the collections below are those of the week of the fixed clock: "tomorrow" on one day, a date on others
    monkeypatch.setenv(clock.NOW_VARIABLE, FIXED_NOW)
    collection = Collection("recycling", "tuesday", "weekly", date(2026, 12, 8), date(2026, 12, 1), state)
    fake = SimpleNamespace(waste=SimpleNamespace(collections=lambda uprn: [collection]))
    monkeypatch.setattr(waste_module, "connectors", lambda: fake)
    current = tracker(slots={"uprn": "100090000001", "address": "1 Mill Lane", "bin_type": "recycling",
                             "requested_slot": "bin_type"}, intent="inform")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateMissedBinForm().get_validation_events(dispatcher, current, {"forms": {}}))
    return events, dispatcher.messages


def test_missed_bin_too_late_is_refused_before_asking_to_confirm_with_the_next_collection(monkeypatch):
    events, messages = _missed_bin(monkeypatch, "too_late")
    assert response_names(messages) == ["utter_missed_bin_too_late"]
    assert messages[0]["next_collection"].startswith("Tuesday 8 December")
    assert SlotSet("requested_slot", None) in events  # the form ends: nothing to confirm
    assert not any(e.get("name") == "missed_collection_date" for e in events)


def test_missed_bin_on_collection_day_before_the_crews_finish_is_explained(monkeypatch):
    _, messages = _missed_bin(monkeypatch, "not_over")
    assert response_names(messages) == ["utter_missed_bin_not_over"]


def test_missed_bin_that_can_be_reported_goes_on_to_the_confirmation(monkeypatch):
    events, messages = _missed_bin(monkeypatch, "open")
    assert messages == []
    assert SlotSet("missed_collection_date", "2026-12-01") in events


def test_street_light_in_residents_words_is_the_problem_type():
    assert problem_type_in("street light broken on station road") == "street_light"
    assert problem_type_in("the lamp post outside") == "street_light"
    assert problem_type_in("fly tipping behind the shops") == "fly_tipping"
    assert problem_type_in("my cat is lost") is None


def test_an_unrecognised_problem_type_is_mapped_without_asking_twice():
    dispatcher = CollectingDispatcher()
    current = tracker(intent="report_problem", text="street light broken on station road")
    result = asyncio.run(ValidateProblemReportForm().validate_problem_type("street light broken", dispatcher,
                                                                           current, {}))
    assert result == {"problem_type": "street_light"}
    assert dispatcher.messages == []


def test_a_later_word_taken_for_a_type_does_not_undo_the_type_given():
    earlier = [{"event": "user", "text": "graffiti on the underpass"},
               {"event": "slot", "name": "problem_type", "value": "graffiti"},
               {"event": "user", "text": "big tags all along the wall"}]
    current = tracker(intent="inform", text="big tags all along the wall", events=earlier)
    result = asyncio.run(ValidateProblemReportForm().validate_problem_type("tags", CollectingDispatcher(), current, {}))
    assert result == {"problem_type": "graffiti"}


def test_a_problem_type_is_found_in_the_words_when_the_model_found_none():
    current = tracker(intent="report_problem", text="street light broken on station road")
    result = asyncio.run(ValidateProblemReportForm().extract_problem_type(CollectingDispatcher(), current, {}))
    assert result == {"problem_type": "street_light"}


def test_plural_items_agree_with_their_verb(monkeypatch):
    assert is_plural("Pizza boxes") and is_plural("Batteries") and not is_plural("Glass")
    advice = [ItemAdvice("Pizza boxes", "recycling", "Tear off greasy parts.")]
    fake = SimpleNamespace(waste=SimpleNamespace(lookup_item=lambda item: advice))
    monkeypatch.setattr(waste_module, "connectors", lambda: fake)
    _, messages = asyncio.run(run(ActionWhatGoesInBin(), tracker(slots={"item": "pizza boxes"})))
    assert response_names(messages) == ["utter_items_in_bin"]
    advice[0] = ItemAdvice("Batteries", "recycling_centre", "")
    _, messages = asyncio.run(run(ActionWhatGoesInBin(), tracker(slots={"item": "batteries"})))
    assert response_names(messages) == ["utter_items_to_recycling_centre"]


def test_the_day_asked_about_is_answered_first():
    wednesday = date(2026, 12, 2)
    assert asked_day("is the tip open on sunday", wednesday) == date(2026, 12, 6)
    assert asked_day("library tomorrow?", wednesday) == date(2026, 12, 3)
    assert asked_day("tip hours", wednesday) is None
    dispatcher = CollectingDispatcher()
    tell_site_hours(dispatcher, [LIBRARY], None, wednesday, "is the library open on saturday")
    assert response_names(dispatcher.messages) == ["utter_site_hours_on_day"]
    assert dispatcher.messages[0]["day"] == "Saturday 5 December"
    assert dispatcher.messages[0]["hours_day"] == "10am to 4pm"
