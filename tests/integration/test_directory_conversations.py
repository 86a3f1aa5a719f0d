"""The A to Z through the running stack: Rasa, the action server and the backend over real HTTP."""

from __future__ import annotations

from tests.conftest import RunningStack, buttons, texts


def test_a_service_no_task_covers_is_answered_with_its_link(running_stack: RunningStack, sender: str) -> None:
    reply = running_stack.say(sender, "allotments")
    answer = texts(reply)
    assert "allotment" in answer.lower()
    assert "https://www.fernbridge.gov.example/leisure/allotments" in answer
    assert running_stack.tracker(sender)["slots"]["directory_service"] == "allotments"


def test_did_you_mean_buttons_answer_the_chosen_service(running_stack: RunningStack, sender: str) -> None:
    reply = running_stack.say(sender, "housing benefit")
    assert "Housing Benefit" in texts(reply)
    offered = buttons(reply)
    assert offered and all(b["payload"].startswith('/council_service{"service":') for b in offered)
    chosen = running_stack.say(sender, offered[0]["payload"])
    assert offered[0]["title"].split()[0] in texts(chosen)


def test_a_misspelt_service_is_still_found(running_stack: RunningStack, sender: str) -> None:
    assert "citizenship" in texts(running_stack.say(sender, "citizenship cerimony")).lower()


def test_chat_the_council_does_not_cover_gets_the_out_of_scope_answer(running_stack: RunningStack,
                                                                      sender: str) -> None:
    reply = running_stack.say(sender, "what's the weather like in Paris tomorrow")
    assert "can't help with that" in texts(reply)
    assert any(b["payload"] == "/human_handover" for b in buttons(reply))
    assert "phone number or email" in texts(running_stack.say(sender, "yes"))


def test_a_service_the_assistant_performs_starts_its_task(running_stack: RunningStack, sender: str) -> None:
    running_stack.say(sender, "pot holes")
    tracker = running_stack.tracker(sender)
    assert (tracker.get("active_loop") or {}).get("name") == "problem_report_form"
    assert tracker["slots"]["problem_type"] == "pothole"
