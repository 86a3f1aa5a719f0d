"""The resident-style evaluation: the judge on hand-built trackers, and the evaluation set's hygiene."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation import resident as judge
from scripts.import_clinc_negatives import normalise, plain_text, read_nlu_folder

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- hand-built trackers


def tracker(text: str, intent: str, *turn: dict, confidence: float = 0.9) -> dict:
    """A tracker as Rasa's HTTP API returns it: session start, the first message, then the turn's events."""
    return {"events": [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "slot", "name": "council_name", "value": "Fernbridge Borough Council"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": confidence}}},
        *turn,
        {"event": "action", "name": "action_listen"},
    ]}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def bot(response: str, text: str = "Some words.", buttons: list[dict] | None = None) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": buttons}, "metadata": {"utter_action": response}}


def slot(name: str, value: object) -> dict:
    return {"event": "slot", "name": name, "value": value}


def loop(name: str | None) -> dict:
    return {"event": "active_loop", "name": name}


def expect(**raw: object) -> judge.Expectation:
    return judge.parse_expectation("fallback" if raw.get("fallback") else raw)


@pytest.fixture(scope="module")
def starters() -> dict[str, frozenset[str]]:
    return judge.task_starters()


def verdict(raw_tracker: dict, expectation: judge.Expectation, starters: dict) -> judge.Verdict:
    return judge.judge(expectation, judge.outcome_of(judge.first_reply(raw_tracker), starters))


def test_a_form_started_for_an_acceptable_intent_helped(starters: dict) -> None:
    t = tracker("bins fb1 2aa", "bin_collection_day", action("bin_day_form"), loop("bin_day_form"),
                bot("utter_ask_uprn", "Which address?"))
    result = verdict(t, expect(task=["bin_collection_day"]), starters)
    assert result.helped and result.outcome.kind == "task"
    assert not verdict(t, expect(task=["report_missed_bin"]), starters).helped


def test_an_information_answer_helps_only_for_the_intent_it_answered(starters: dict) -> None:
    t = tracker("paying ctax", "council_tax_pay", action("action_council_information"),
                bot("utter_info_council_tax_pay"))
    assert verdict(t, expect(task=["council_tax_pay"]), starters).helped
    assert not verdict(t, expect(task=["council_tax_discount"]), starters).helped


def test_a_keyword_read_as_inform_that_opens_a_form_counts_as_that_task(starters: dict) -> None:
    t = tracker("potholes", "inform", action("problem_report_form"), loop("problem_report_form"),
                bot("utter_ask_location", "Where is it?"))
    result = verdict(t, expect(task=["report_problem"]), starters)
    assert result.helped and result.outcome.tasks == {"report_problem"}


def test_a_form_that_rules_also_open_for_a_bare_entity_still_names_its_task(starters: dict) -> None:
    widened = {**starters, "problem_report_form": frozenset({"report_problem", "inform"})}
    t = tracker("dog dirt", "inform", action("problem_report_form"), loop("problem_report_form"),
                bot("utter_ask_location"))
    assert verdict(t, expect(task=["report_problem"]), widened).helped


def test_the_right_intent_with_a_fallback_reply_did_not_help(starters: dict) -> None:
    t = tracker("pothole", "report_problem", action("action_out_of_scope"), bot("utter_out_of_scope"))
    assert not verdict(t, expect(task=["report_problem"]), starters).helped


def test_a_bare_answer_with_no_question_did_not_help(starters: dict) -> None:
    t = tracker("mill lane", "inform", action("utter_inform_without_question"),
                bot("utter_inform_without_question"))
    result = verdict(t, expect(task=["report_problem"]), starters)
    assert not result.helped and result.outcome.kind == "fallback"


def test_the_directory_answering_an_acceptable_service_helped(starters: dict) -> None:
    t = tracker("buss pass", "nlu_fallback", action(judge.DIRECTORY_ACTION),
                bot("utter_service_answer", "Bus passes ..."), slot(judge.DIRECTORY_SLOT, "bus-pass"))
    result = verdict(t, expect(service=["bus-pass"]), starters)
    assert result.helped and result.outcome.kind == "directory"
    assert not verdict(t, expect(service=["allotments"]), starters).helped
    assert not verdict(t, expect(fallback=True), starters).helped


def test_the_directory_below_its_threshold_is_a_fallback(starters: dict) -> None:
    t = tracker("zxcv", "nlu_fallback", action(judge.DIRECTORY_ACTION), bot("utter_out_of_scope"),
                slot(judge.DIRECTORY_SLOT, None))
    outcome = judge.outcome_of(judge.first_reply(t), starters)
    assert outcome.kind == "fallback" and outcome.service is None
    assert judge.judge(expect(fallback=True), outcome).helped
    assert not judge.judge(expect(service=["bus-pass"]), outcome).helped


def test_buttons_that_lead_to_an_acceptable_task_or_service_are_a_clarifying_question(starters: dict) -> None:
    buttons = [{"title": "Pay it", "payload": "/council_tax_pay"},
               {"title": "Your band", "payload": '/council_tax_band{"postcode": "FB1 2AA"}'},
               {"title": "Allotments", "payload": '/council_service{"service":"allotments"}'}]
    t = tracker("ctax", "inform", action("action_keyword_menu"), bot("utter_which_council_tax", "Which?", buttons))
    assert verdict(t, expect(task=["council_tax_band"]), starters).helped
    assert verdict(t, expect(service=["allotments"]), starters).helped
    result = verdict(t, expect(task=["parking_fine"], service=["bus-pass"]), starters)
    assert not result.helped and result.outcome.kind == "clarify"


def test_the_out_of_scope_answers_buttons_are_not_a_clarifying_question(starters: dict) -> None:
    buttons = [{"title": "Speak to a person", "payload": "/human_handover"}, {"title": "Help", "payload": "/help"}]
    t = tracker("complain", "nlu_fallback", action("action_out_of_scope"),
                bot("utter_out_of_scope", "Sorry", buttons))
    assert not verdict(t, expect(task=["human_handover"]), starters).helped


def test_an_empty_reply_helps_nobody(starters: dict) -> None:
    t = tracker("pothole", "report_problem")
    result = verdict(t, expect(task=["report_problem"]), starters)
    assert not result.helped and result.outcome.kind == "no_reply"
    assert not verdict(t, expect(fallback=True), starters).helped


def test_the_fallback_helps_nonsense_and_a_task_does_not(starters: dict) -> None:
    fallback = tracker("asdf", "nlu_fallback", action("action_out_of_scope"), bot("utter_out_of_scope"))
    assert verdict(fallback, expect(fallback=True), starters).helped
    greeting = tracker("hiya", "greet", action("utter_greet"), bot("utter_greet"))
    assert verdict(greeting, expect(fallback=True), starters).helped
    task = tracker("asdf", "bin_collection_day", action("bin_day_form"), loop("bin_day_form"),
                   bot("utter_ask_uprn"))
    assert not verdict(task, expect(fallback=True), starters).helped


def test_the_urgent_route_is_judged_by_the_response_it_gave(starters: dict) -> None:
    t = tracker("water coming in", "home_flooding", action(judge.URGENT_ACTION), bot("utter_home_flooding"))
    assert verdict(t, expect(urgent="home_flooding"), starters).helped
    wrong = tracker("water coming in", "immediate_danger", action(judge.URGENT_ACTION), bot("utter_immediate_danger"))
    result = verdict(wrong, expect(urgent="home_flooding"), starters)
    assert not result.helped and not result.false_urgent
    assert verdict(wrong, judge.parse_expectation({"urgent": ["home_flooding", "immediate_danger"]}), starters).helped
    missed = tracker("water coming in", "nlu_fallback", action("action_out_of_scope"), bot("utter_out_of_scope"))
    assert not verdict(missed, expect(urgent="home_flooding"), starters).helped


def test_an_urgent_route_on_a_message_that_is_not_urgent_is_a_false_urgent(starters: dict) -> None:
    t = tracker("old gas cooker", "immediate_danger", action(judge.URGENT_ACTION), bot("utter_immediate_danger"))
    for expectation in (expect(task=["bulky_waste_collection"]), expect(fallback=True)):
        result = verdict(t, expectation, starters)
        assert not result.helped and result.false_urgent


def test_only_the_first_turn_is_read() -> None:
    t = tracker("pothole", "report_problem", action("problem_report_form"), bot("utter_ask_location"))
    t["events"] += [{"event": "user", "text": "mill lane", "parse_data": {"intent": {"name": "inform"}}},
                    action("utter_inform_without_question"), bot("utter_inform_without_question")]
    reply = judge.first_reply(t)
    assert reply.text == "pothole" and reply.actions == ["problem_report_form"]
    assert reply.responses == ["utter_ask_location"]


def test_summary_counts_helped_fallback_recall_and_false_urgent(starters: dict) -> None:
    items = [
        judge.Item("a", "keywords", expect(task=["report_problem"])),
        judge.Item("b", "keywords", expect(task=["report_problem"])),
        judge.Item("c", "urgent", expect(urgent="home_flooding")),
        judge.Item("d", "near_miss", expect(service=["flooding"])),
    ]
    trackers = [
        tracker("a", "report_problem", action("problem_report_form"), bot("utter_ask_location")),
        tracker("b", "nlu_fallback", action("action_out_of_scope"), bot("utter_out_of_scope")),
        tracker("c", "home_flooding", action(judge.URGENT_ACTION), bot("utter_home_flooding")),
        tracker("d", "home_flooding", action(judge.URGENT_ACTION), bot("utter_home_flooding")),
    ]
    results = []
    for item, raw in zip(items, trackers, strict=True):
        reply = judge.first_reply(raw)
        results.append(judge.Result(item, judge.judge(item.expect, judge.outcome_of(reply, starters)), reply))
    figures = judge.summary(results)
    assert figures["helped"] == 0.5
    assert figures["categories"]["keywords"] == {"n": 2, "helped": 0.5, "fallback": 0.5,
                                                 "outcomes": {"task": 1, "fallback": 1}}
    assert figures["urgent_recall"] == {"home_flooding": {"n": 1, "recall": 1.0}}
    assert figures["false_urgent"] == 1 and figures["false_urgent_texts"] == ["d"]
    printed = judge.format_report(figures, "chat")
    assert "NOT met" in printed and "home_flooding" in printed
    assert "'b'" in judge.format_failures(results) and "'a'" not in judge.format_failures(results)


def test_changes_lists_messages_whose_verdict_flipped() -> None:
    before = [{"text": "a", "category": "keywords", "helped": True, "outcome": "task"},
              {"text": "b", "category": "urgent", "helped": False, "outcome": "fallback"},
              {"text": "c", "category": "nonsense", "helped": True, "outcome": "fallback"}]
    after = [{"text": "a", "category": "keywords", "helped": False, "outcome": "fallback"},
             {"text": "b", "category": "urgent", "helped": True, "outcome": "urgent route domestic_abuse"},
             {"text": "c", "category": "nonsense", "helped": True, "outcome": "fallback"},
             {"text": "d", "category": "nonsense", "helped": False, "outcome": "task"}]
    assert judge.changes(before, after) == {
        "now_helped": ["[urgent] 'b': urgent route domestic_abuse"],
        "no_longer_helped": ["[keywords] 'a': fallback"],
    }


def test_button_payloads_are_read_with_their_entities() -> None:
    button = judge.parse_button({"title": "Bus pass", "payload": '/council_service{"service": "bus-pass"}'})
    assert button.intent == "council_service" and button.service == "bus-pass"
    assert judge.parse_button({"title": "x", "payload": "free text"}).intent is None
    assert judge.parse_button({"title": "x", "payload": "/report_problem{broken"}).entities == {}


@pytest.mark.parametrize("raw", [None, {}, {"task": []}, {"tasks": ["x"]}, {"urgent": "x", "task": ["y"]}, "fallbak"])
def test_a_malformed_expectation_is_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        judge.parse_expectation(raw)


# --------------------------------------------------------------------------- the evaluation set


@pytest.fixture(scope="module")
def items() -> list[judge.Item]:
    return judge.load_items()


def test_the_set_is_large_and_covers_every_category_and_urgent_route(items: list[judge.Item]) -> None:
    assert len(items) >= 320
    assert {item.category for item in items} == set(judge.CATEGORIES)
    assert {item.expect.route for item in items if item.expect.urgent} == set(judge.URGENT_ROUTES)


def test_every_item_names_known_categories_intents_and_routes(items: list[judge.Item]) -> None:
    found = judge.problems(items, judge.domain_intents(), services=set().union(*(i.expect.services for i in items)))
    assert found == []


def test_every_service_id_is_in_the_a_to_z(items: list[judge.Item]) -> None:
    """Fails loudly while council_backend/seed/services.yml is missing, and for any id it does not hold."""
    ids = judge.service_ids()
    assert ids is not None, f"{judge.SERVICES_FILE} does not exist: the set names A to Z services it cannot check"
    assert [p for p in judge.problems(items, judge.domain_intents(), ids) if "service id" in p] == []


def test_no_evaluation_message_is_trained_on_or_held_out(items: list[judge.Item]) -> None:
    """Compared as the held-out leak check compares (scripts/import_clinc_negatives.py normalise)."""
    for folder in ("nlu_data", "nlu_heldout"):
        examples = {normalise(plain_text(e)) for _, e, _ in read_nlu_folder(ROOT / folder)["examples"]}
        leaked = [item.text for item in items if normalise(item.text) and normalise(item.text) in examples]
        assert leaked == [], f"in {folder}/: {leaked}"


def test_problems_name_unknown_ids_intents_categories_and_repeats() -> None:
    items = [
        judge.Item("bus pas", "long_tail", expect(service=["bus-pass", "allotments"]), "a"),
        judge.Item("bus  PAS", "long_tail", expect(service=["bus-pass"]), "b"),
        judge.Item("x", "keywordz", expect(task=["report_problem", "make_tea"]), "c"),
        judge.Item("y", "near_miss", expect(urgent="home_flooding"), "d"),
    ]
    found = judge.problems(items, {"report_problem"}, {"bus-pass"})
    assert any("'allotments'" in p for p in found) and not any("'bus-pass'" in p for p in found)
    assert any("repeats a" in p for p in found)
    assert any("'keywordz'" in p for p in found) and any("'make_tea'" in p for p in found)
    assert any("only the urgent category" in p for p in found)
    assert sum("service id" in p for p in judge.problems(items[:1], {"report_problem"}, None)) == 2


def test_a_turn_the_a_to_z_rewrote_as_its_task_is_one_reply():
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "tip", "parse_data": {"intent": {"name": "council_service", "confidence": 0.9}}},
        {"event": "action", "name": "action_service_directory"},
        {"event": "rewind"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "tip", "parse_data": {"intent": {"name": "recycling_centre_hours", "confidence": 1}}},
        {"event": "action", "name": "action_recycling_centre_hours"},
        {"event": "bot", "text": "Hollow Road is open today.", "metadata": {"utter_action": "utter_site_hours"}},
        {"event": "action", "name": "action_listen"},
    ]
    reply = judge.first_reply({"events": events})
    assert reply.intent == "recycling_centre_hours"
    assert reply.actions == ["action_service_directory", "action_recycling_centre_hours"]
    assert reply.texts == ["Hollow Road is open today."]
