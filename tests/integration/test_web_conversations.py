"""Residents' conversations over Rasa's REST channel, against the real action server and backend."""

from __future__ import annotations

import re

from tests.conftest import RunningStack, buttons, texts


def test_bin_day_asks_postcode_then_address_then_tells_dates(running_stack: RunningStack, sender: str) -> None:
    first = running_stack.say(sender, "when is my bin day")
    assert "postcode" in texts(first).lower()
    second = running_stack.say(sender, "FB1 2AA")
    offered = buttons(second)
    assert [b["title"] for b in offered][:2] == ["1 Mill Lane, Fernbridge", "3 Mill Lane, Fernbridge"]
    assert offered[0]["payload"] == '/inform{"uprn": "100090000001"}'
    third = running_stack.say(sender, offered[0]["payload"])
    answer = texts(third)
    assert "1 Mill Lane" in answer
    for bin_name in ("black rubbish bin", "blue recycling bin", "food waste caddy"):
        assert bin_name in answer.lower()
    # Fixed clock: Wednesday 2 December 2026 is FB1 2AA's collection day.
    assert "Wednesday 2 December" in answer


def test_bin_day_with_typed_house_number_and_postcode_in_first_message(
    running_stack: RunningStack, sender: str
) -> None:
    second = running_stack.say(sender, "bin day for fb3 7qe please")
    assert "Which address" in texts(second)
    answer = texts(running_stack.say(sender, "number 6"))
    assert "6 Orchard Close" in answer
    assert "Tuesday" in answer


def test_unknown_postcode_is_explained_and_asked_again(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "when are my bins collected")
    reply = texts(running_stack.say(sender, "ZZ9 9ZZ"))
    assert "can't find any" in reply and "ZZ9 9ZZ" in reply
    assert "postcode" in reply.lower()


def test_missed_bin_before_collection_day_is_over_is_explained_before_any_confirmation(
    running_stack: RunningStack, sender: str
) -> None:
    running_stack.say(sender, "my food waste wasn't collected")
    running_stack.say(sender, "FB1 2AA")
    reply = texts(running_stack.say(sender, '/inform{"uprn": "100090000003"}'))
    assert "food waste caddy" in reply and "5pm" in reply
    assert "Just to check" not in reply


def test_missed_bin_too_late_is_refused_before_confirming_with_the_next_collection(
    running_stack: RunningStack, sender: str
) -> None:
    running_stack.say(sender, "recycling not collected")
    running_stack.say(sender, "FB3 7QE")
    reply = texts(running_stack.say(sender, '/inform{"uprn": "100090000013"}'))
    assert "too late" in reply and "Tuesday 8 December" in reply  # the next recycling collection
    assert "Just to check" not in reply


def test_missed_bin_after_collection_is_reported_with_reference(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "my bin was missed")
    running_stack.say(sender, "FB3 7QE")
    running_stack.say(sender, '/inform{"uprn": "100090000014"}')
    confirm = texts(running_stack.say(sender, '/inform{"bin_type": "food"}'))
    assert "4 Orchard Close" in confirm
    done = texts(running_stack.say(sender, "yes please"))
    assert re.search(r"reference is MB-\d{6}", done), done


def test_missed_bin_deny_at_confirmation_sends_nothing(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "my black bin wasn't emptied")
    running_stack.say(sender, "FB3 7QE")
    running_stack.say(sender, '/inform{"uprn": "100090000013"}')
    reply = texts(running_stack.say(sender, "no"))
    assert "haven't reported anything" in reply


def test_pothole_report_creates_open311_request_and_status_reads_it_back(
    running_stack: RunningStack, sender: str
) -> None:
    asked = texts(running_stack.say(sender, "there's a pothole on Mill Lane"))
    if "Where is it" in asked:  # the location was not picked out of the first message
        asked = texts(running_stack.say(sender, "outside 5 Mill Lane"))
    assert "describe" in asked.lower()
    asked = texts(running_stack.say(sender, "About a foot wide and deep, cyclists are swerving round it"))
    assert "email address or phone number" in asked
    confirm = texts(running_stack.say(sender, "resident@example.org"))
    assert "pothole" in confirm and "Shall I send it" in confirm
    sent = texts(running_stack.say(sender, "yes"))
    match = re.search(r"reference is (\d+)", sent)
    assert match, sent
    reference = match.group(1)
    status = texts(running_stack.say(sender, f"what's happening with report {reference}"))
    assert reference in status and "open" in status


def test_report_status_of_seeded_report(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "any update on my report 10231"))
    assert "10231" in reply
    assert re.search(r"is (open|closed)", reply)


def test_unknown_report_reference_is_explained(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "status of report 99999"))
    assert "can't find a report" in reply


def test_council_tax_band_by_address(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "what council tax band is my house")
    running_stack.say(sender, "FB4 9HX")
    reply = texts(running_stack.say(sender, "5 church street"))
    assert "band H" in reply and "£" in reply


def test_planning_application_status_by_reference(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "what's the status of planning application 24/01234/FUL"))
    assert "24/01234/FUL" in reply


def test_library_and_recycling_centre_hours(running_stack: RunningStack, sender: str) -> None:
    library = texts(running_stack.say(sender, "when does the central library open"))
    assert "Central Library" in library and "Today" in library
    tip = texts(running_stack.say(sender, "is the tip open on sunday"))
    assert "Recycling Centre" in tip


def test_which_bin_from_recycling_a_to_z(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "which bin do pizza boxes go in"))
    assert "izza" in reply and ("bin" in reply or "caddy" in reply)


def test_information_intent_answers_with_a_link(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "how do I pay my council tax"))
    assert "Direct Debit" in reply and "https://" in reply


def test_contact_point_for_a_department(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "what's the phone number for housing"))
    assert "01632" in reply


def test_urgent_route_interrupts_a_form_and_comes_first(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "when is my bin day")
    reply = running_stack.say(sender, "I can smell gas in my kitchen")
    assert "999" in reply[0]["text"]
    tracker = running_stack.tracker(sender)
    assert not (tracker.get("active_loop") or {}).get("name")


def test_homeless_tonight_gets_out_of_hours_number_first(running_stack: RunningStack, sender: str) -> None:
    reply = running_stack.say(sender, "I've been evicted and have nowhere to sleep tonight")
    assert "01632 960999" in reply[0]["text"]


def test_out_of_scope_offers_a_person_and_handover_creates_case(running_stack: RunningStack, sender: str) -> None:
    reply = running_stack.say(sender, "what's the weather like in Paris tomorrow")
    assert "can't help with that" in texts(reply)
    assert any(b["payload"] == "/human_handover" for b in buttons(reply))
    ask = texts(running_stack.say(sender, "/human_handover"))
    assert "phone number or email" in ask
    done = texts(running_stack.say(sender, "07700 900123"))
    assert re.search(r"reference is CC-\d{6}", done), done


def test_cancel_mid_form_leaves_the_form(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "report fly tipping")
    reply = texts(running_stack.say(sender, "actually, cancel"))
    assert "haven't sent anything" in reply
    assert not (running_stack.tracker(sender).get("active_loop") or {}).get("name")


def test_wrong_address_asks_for_the_postcode_again(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "when is my bin day")
    running_stack.say(sender, "FB1 2AA")
    reply = texts(running_stack.say(sender, "wrong address"))
    assert "postcode" in reply.lower()
    running_stack.say(sender, "FB3 7QE")
    answer = texts(running_stack.say(sender, '/inform{"uprn": "100090000016"}'))
    assert "8 Orchard Close" in answer


def test_keywords_start_their_task(running_stack: RunningStack, sender: str) -> None:
    assert "Where is it" in texts(running_stack.say(sender, "pothole"))
    running_stack.say(sender, "cancel")
    menu = running_stack.say(sender, "council tax")
    assert "/council_tax_pay" in [b["payload"] for b in buttons(menu)]
    bin_menu = running_stack.say(sender, "blue bin")
    assert '/report_missed_bin{"bin_type": "recycling"}' in [b["payload"] for b in buttons(bin_menu)]
    assert "postcode" in texts(running_stack.say(sender, "missed bin")).lower()


def test_a_bare_value_outside_a_form_is_routed_never_thanked(running_stack: RunningStack, sender: str) -> None:
    # inform with a problem type and no question open: the router starts the report with the type filled
    asked = texts(running_stack.say(sender, '/inform{"problem_type": "graffiti"}'))
    assert "Where is it" in asked and "Thanks." not in asked
    running_stack.say(sender, "cancel")
    hours = texts(running_stack.say(sender, '/inform{"place": "Central Library"}'))
    assert "Central Library" in hours and "Opening hours" in hours
    property_menu = running_stack.say(sender, '/inform{"postcode": "FB1 2AA"}')
    assert '/bin_collection_day{"postcode": "FB1 2AA"}' in [b["payload"] for b in buttons(property_menu)]


def test_a_follow_up_about_another_bin_uses_the_bin_day_context(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "bin day FB1 2AA")
    running_stack.say(sender, '/inform{"uprn": "100090000001"}')
    reply = texts(running_stack.say(sender, "what about glass?"))
    assert "glass" in reply.lower() and "I can help you" not in reply and "Thanks." not in reply


def test_yes_to_updates_asks_for_the_email_or_phone(running_stack: RunningStack, sender: str) -> None:
    asked = texts(running_stack.say(sender, "graffiti on the underpass by Station Road"))
    if "Where is it" in asked:  # the location was not picked out of the first message
        asked = texts(running_stack.say(sender, "the underpass on Station Road"))
    assert "describe" in asked.lower()
    asked = texts(running_stack.say(sender, "big tags all along the wall"))
    assert "email address or phone number" in asked
    after_yes = texts(running_stack.say(sender, "yes"))
    assert "doesn't look like" not in after_yes and "email address or phone number" in after_yes


def test_the_day_asked_about_is_answered_first(running_stack: RunningStack, sender: str) -> None:
    reply = texts(running_stack.say(sender, "is the tip open on sunday"))
    assert "on Sunday 6 December" in reply  # fixed clock: Wednesday 2 December 2026
