"""The resident-style evaluation reads real first turns: each verdict kind from Rasa's own tracker, chat and voice.

Payloads (``/intent``) choose the intent, so these check the benchmark's plumbing and judge, not the model.
"""

from __future__ import annotations

import pytest
import requests

from evaluation import resident as judge
from evaluation.resident import ask
from tests.conftest import RunningStack

CASES = [
    ("/bin_collection_day", {"task": ["bin_collection_day"]}, "task"),
    ("/council_tax_pay", {"task": ["council_tax_pay"]}, "task"),
    ("/immediate_danger", {"urgent": "immediate_danger"}, "urgent"),
    ("/nlu_fallback", "fallback", "fallback"),
]


@pytest.mark.parametrize("channel", ["chat", "voice"])
def test_each_kind_of_first_reply_is_read_and_judged_from_the_tracker(running_stack: RunningStack,
                                                                      channel: str) -> None:
    starters = judge.task_starters()
    with requests.Session() as session:
        for text, raw, kind in CASES:
            reply = ask(session, running_stack.rasa_url, channel, text, running_stack.rasa_token)
            outcome = judge.outcome_of(reply, starters)
            assert outcome.kind == kind, (text, reply)
            assert judge.judge(judge.parse_expectation(raw), outcome).helped, (text, reply)
            assert reply.replied and reply.responses, (text, reply)
        danger = ask(session, running_stack.rasa_url, channel, "/immediate_danger", running_stack.rasa_token)
    assert "utter_immediate_danger" in danger.responses
    wrong = judge.judge(judge.parse_expectation({"task": ["bulky_waste_collection"]}),
                        judge.outcome_of(danger, starters))
    assert wrong.false_urgent and not wrong.helped
