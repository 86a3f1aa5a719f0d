"""action_service_directory: answers, "Did you mean" buttons, button payloads, tasks, no match, system down.

The directory connector is real and talks HTTP to a local server that serves the seeded A to Z, as a
council's CMS would serve only its list.
"""

import asyncio

import pytest
import yaml
from rasa_sdk.events import ActionExecuted, ActiveLoop, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions import directory as directory_module
from actions import directory_answers
from actions.directory import ActionServiceDirectory
from actions.directory_answers import button_payload, first_sentence
from connectors.directory import DirectoryConnector
from connectors.settings import ConnectorSettings
from council_backend.seed import SEED_DIR
from tests.actions.helpers import response_names, run, tracker
from tests.backend_server import free_port
from tests.connectors.local_servers import local_server, send

SERVICES = yaml.safe_load((SEED_DIR / "services.yml").read_text())["services"]


class _Connectors:
    def __init__(self, directory):
        self.directory = directory


@pytest.fixture(scope="module")
def cms_url():
    with local_server(lambda handler: send(handler, 200, SERVICES)) as url:
        yield url


@pytest.fixture
def use_directory(monkeypatch, cms_url):
    def _use(url=cms_url):
        connector = DirectoryConnector(ConnectorSettings(council_api_url=url, timeout=1))
        monkeypatch.setattr(directory_module, "connectors", lambda: _Connectors(connector))
        monkeypatch.setattr(directory_answers, "connectors", lambda: _Connectors(connector))

    _use()
    return _use


def _run(current):
    return asyncio.run(run(ActionServiceDirectory(), current))


def test_a_service_is_answered_with_its_words_and_link(use_directory):
    events, messages = _run(tracker(intent="council_service", text="food bank"))
    assert response_names(messages)[0] == "utter_directory_answer"
    answer = messages[0]
    assert answer["title"] == "Food banks and emergency food"
    assert answer["link"] == "https://www.fernbridge.gov.example/benefits/food-banks"
    assert answer["answer"].startswith("Fernbridge has three food banks.")
    assert answer["summary"] == "Fernbridge has three food banks."
    assert events == [SlotSet("directory_service", "food-banks")]


def test_close_runners_up_become_did_you_mean_buttons(use_directory):
    _, messages = _run(tracker(intent="nlu_fallback", text="blue badge"))
    assert response_names(messages) == ["utter_directory_answer", "utter_directory_did_you_mean"]
    buttons = messages[1]["buttons"]
    assert 1 <= len(buttons) <= 2
    payload = '/council_service{"service":"blue-badge-misuse"}'
    assert buttons[0] == {"title": "Report Blue Badge misuse", "payload": payload}


def test_a_clear_answer_has_no_buttons(use_directory):
    _, messages = _run(tracker(intent="out_of_scope", text="citizenship ceremony"))
    assert response_names(messages) == ["utter_directory_answer"]


def test_a_button_payload_answers_that_service_directly(use_directory):
    current = tracker(
        intent="council_service",
        text=button_payload("allotments"),
        entities=[{"entity": "service", "value": "allotments"}],
    )
    events, messages = _run(current)
    assert response_names(messages) == ["utter_directory_answer"]
    assert messages[0]["title"] == "Allotments"
    assert events == [SlotSet("directory_service", "allotments")]


def test_an_unknown_service_id_gets_the_out_of_scope_answer(use_directory):
    current = tracker(intent="council_service", text="/x", entities=[{"entity": "service", "value": "nope"}])
    events, messages = _run(current)
    assert response_names(messages) == ["utter_out_of_scope"]
    assert events == [SlotSet("directory_service", None)]


def test_words_in_a_payload_slot_are_ranked(use_directory):
    # The Alexa skill sends what it heard in the {service} slot when it is not one of the listed values.
    payload = '/council_service{"service": "disabled parking badge"}'
    current = tracker(intent="council_service", text=payload,
                      entities=[{"entity": "service", "value": "disabled parking badge"}])
    events, messages = _run(current)
    assert messages[0]["title"] == "Blue Badge"
    assert events == [SlotSet("directory_service", "blue-badge")]


def test_typed_words_are_ranked_whole_even_with_a_span(use_directory):
    current = tracker(intent="council_service", text="tell me about allotment plots",
                      entities=[{"entity": "service", "value": "plots"}])
    events, _ = _run(current)
    assert events[-1] == SlotSet("directory_service", "allotments")


@pytest.mark.parametrize("text", ["what's the weather like tomorrow", "sing me a song", "/nlu_fallback", ""])
def test_below_the_threshold_the_resident_gets_the_out_of_scope_answer(use_directory, text):
    events, messages = _run(tracker(intent="nlu_fallback", text=text))
    assert response_names(messages) == ["utter_out_of_scope"]
    assert events == [SlotSet("directory_service", None)]


def test_a_form_that_was_running_is_left(use_directory):
    events, messages = _run(tracker(intent="nlu_fallback", text="free school meals", active_loop="bin_day_form"))
    assert response_names(messages)[0] == "utter_directory_answer"
    assert events[0] == ActiveLoop(None)
    assert SlotSet("postcode", None) in events
    assert events[-1] == SlotSet("directory_service", "free-school-meals")


def test_a_service_the_assistant_performs_starts_its_task(use_directory):
    current = tracker(intent="nlu_fallback", text="pot holes", entities=[{"entity": "location", "value": "Mill Lane"}])
    events, messages = _run(current)
    assert messages == []
    assert events[:2] == [UserUtteranceReverted(), ActionExecuted("action_listen")]
    user = events[2]
    assert user["event"] == "user" and user["text"] == "pot holes"
    assert user["parse_data"]["intent"] == {"name": "report_problem", "confidence": 1.0}
    assert {"entity": "problem_type", "value": "pothole"} in user["parse_data"]["entities"]
    assert {"entity": "location", "value": "Mill Lane"} in user["parse_data"]["entities"]
    assert events[3:] == [SlotSet("directory_service", "report-pothole"), SlotSet("problem_type", "pothole")]


def test_a_started_task_gets_the_slots_its_words_named(use_directory):
    current = tracker(intent="nlu_fallback", text="pot holes", entities=[{"entity": "location", "value": "Mill Lane"}])
    events = asyncio.run(ActionServiceDirectory().run(CollectingDispatcher(), current, {"slots": {"location": {}}}))
    assert events[-2:] == [SlotSet("location", "Mill Lane"), SlotSet("problem_type", "pothole")]


def test_a_task_started_mid_form_leaves_the_form_first(use_directory):
    events, _ = _run(tracker(intent="nlu_fallback", text="bin collection day", active_loop="problem_report_form"))
    assert events[0] == UserUtteranceReverted() and events[1] == ActiveLoop(None)
    user = next(event for event in events if event["event"] == "user")
    assert user == UserUttered("bin collection day", parse_data=user["parse_data"], timestamp=user["timestamp"])
    assert user["parse_data"]["intent"]["name"] == "bin_collection_day"


def test_directory_down_gets_the_polite_apology(use_directory):
    use_directory(f"http://127.0.0.1:{free_port()}")
    events, messages = _run(tracker(intent="council_service", text="bus pass"))
    assert response_names(messages) == ["utter_service_unavailable"]
    assert messages[0]["service"] == "A to Z of services"
    assert events == []


def test_first_sentence_is_what_voice_says():
    assert first_sentence("Apply online. It is free.") == "Apply online."
    assert first_sentence("No full stop") == "No full stop"


def _on_page(text, url):
    current = tracker(intent="nlu_fallback", text=text)
    current.latest_message["metadata"] = {"page": {"url": url, "title": "A council page"}}
    return current


def test_a_question_that_names_nothing_on_a_council_page_gets_that_pages_answer(use_directory):
    from actions.council import load_profile

    page = load_profile().links["garden_waste_subscription"]
    _, messages = _run(_on_page("how much is it?", page))
    assert response_names(messages) == ["utter_info_garden_waste_subscription"]
    # words that name a service are still the A to Z's, on any page
    _, messages = _run(_on_page("food bank", page))
    assert response_names(messages)[0] == "utter_directory_answer"


def test_every_task_the_a_to_z_starts_with_a_plain_action_is_named_as_the_rules_name_it():
    from pathlib import Path

    from actions.directory import TASK_ACTIONS

    first_action = {}
    for path in sorted(Path("bot/rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text()).get("rules") or []:
            steps = rule.get("steps") or []
            if steps and "intent" in steps[0] and len(steps) > 1 and "action" in steps[1] and not rule.get("condition"):
                first_action.setdefault(steps[0]["intent"], steps[1]["action"])
    tasks = {service["task"] for service in SERVICES if service.get("task")}
    for task in tasks:
        action = first_action[task]
        if action.endswith("_form"):
            assert task not in TASK_ACTIONS, task
        else:
            assert TASK_ACTIONS[task] == action, task


def test_a_council_matter_in_words_the_a_to_z_lacks_gets_its_nearest_services_as_buttons(use_directory):
    # The classifier is sure it is a council service; the A to Z's best match is below its threshold.
    events, messages = _run(tracker(intent="council_service", text="parking for guests"))
    assert response_names(messages) == ["utter_directory_suggest"]
    payloads = [button["payload"] for button in messages[0]["buttons"]]
    assert 1 <= len(payloads) <= 3 and button_payload("parking-permit") in payloads
    assert events == [SlotSet("directory_service", None)]


def test_the_fallback_below_the_threshold_offers_no_services(use_directory):
    # The same words when the classifier was unsure: the out-of-scope answer, not council services.
    _, messages = _run(tracker(intent="nlu_fallback", text="parking for guests"))
    assert response_names(messages) == ["utter_out_of_scope"]


def test_a_fallback_whose_words_name_a_department_gets_the_nearest_services(use_directory):
    # "counsil tax": unsure, its best guess inform (conversation), but the words named council tax
    current = tracker(intent="nlu_fallback", text="counsil tax",
                      entities=[{"entity": "department", "value": "tax"}])
    current.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.55}, {"name": "inform", "confidence": 0.44},
    ]
    _, messages = _run(current)
    assert response_names(messages) == ["utter_directory_suggest"]
    assert any("council-tax" in button["payload"] for button in messages[0]["buttons"])


@pytest.mark.parametrize(("guess", "response"), [
    ("parking_permit", "utter_directory_suggest"),  # unsure, but its best guess was a council task
    ("out_of_scope", "utter_out_of_scope"),  # unsure, and its best guess was no council matter
])
def test_a_fallback_gets_the_nearest_services_only_when_its_best_guess_was_a_council_matter(
        use_directory, guess, response):
    current = tracker(intent="nlu_fallback", text="parking for guests")
    current.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.55}, {"name": guess, "confidence": 0.4},
    ]
    _, messages = _run(current)
    assert response_names(messages) == [response]


@pytest.mark.parametrize(("intent", "text", "service_id"), [
    ("register_to_vote", "where is my polling station", "elections-and-voting"),
    ("housing_apply", "mutual exchange", "home-swap"),
])
def test_a_task_gives_way_to_the_more_specific_service_the_words_name(use_directory, intent, text, service_id):
    from actions.information import ActionCouncilInformation

    events, messages = asyncio.run(run(ActionCouncilInformation(), tracker(intent=intent, text=text)))
    assert messages == [] and isinstance(events[0], type(UserUtteranceReverted()))
    assert events[-1]["parse_data"]["intent"]["name"] == "council_service" and events[-1]["text"] == text
    events, messages = _run(tracker(intent="council_service", text=text))  # the A to Z's rule then answers
    assert response_names(messages)[0] == "utter_directory_answer"
    assert events[-1] == SlotSet("directory_service", service_id)


@pytest.mark.parametrize(("intent", "text"), [
    ("register_to_vote", "how do i register to vote"),
    ("council_tax_pay", "pay my council tax"),
    ("register_to_vote", "/register_to_vote"),
])
def test_a_task_the_words_fit_keeps_its_own_answer(use_directory, intent, text):
    from actions.information import ActionCouncilInformation

    _, messages = asyncio.run(run(ActionCouncilInformation(), tracker(intent=intent, text=text)))
    assert response_names(messages) == [f"utter_info_{intent}"]
