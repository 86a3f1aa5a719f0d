"""The evaluation gate: a model is published only when it is not worse for residents than the live one.

Fake evaluations (the shape ``staff_console.evaluate`` writes) for each reason to refuse; the real gate on a real
model is in test_gate_on_model.py.
"""

from __future__ import annotations

from staff_console.gate import gate, worse_intents
from tests.staff_console.fakes import held_out


def evaluation(accuracy: float, oos: float | None, f1: dict[str, float]) -> dict:
    return {"accuracy": accuracy, "oos_recall": oos, "per_intent": {k: {"f1": v} for k, v in f1.items()},
            "confusion_pairs": [{"gold": "library_opening_hours", "predicted": "library_renew", "count": 9,
                                 "examples": ["library opening times"]}]}


def test_first_model_has_nothing_to_compare_with():
    verdict = gate(evaluation(0.5, 0.5, {}), None, tolerance=0)
    assert verdict.passed and verdict.refusals == [] and "first model" in verdict.notes[0]


def test_not_worse_is_published():
    live = evaluation(0.80, 0.90, {"a": 0.8})
    assert gate(evaluation(0.80, 0.90, {"a": 0.8}), live, tolerance=0).refusals == []
    assert gate(evaluation(0.85, 0.95, {"a": 0.9}), live, tolerance=0).passed


def test_lower_accuracy_or_out_of_scope_recall_is_refused_with_reasons():
    live = evaluation(0.80, 0.90, {"library_opening_hours": 0.9, "library_renew": 0.8})
    worse = evaluation(0.70, 0.95, {"library_opening_hours": 0.0, "library_renew": 0.6})
    verdict = gate(worse, live, tolerance=0)
    assert not verdict.passed and verdict.reasons == ["Accuracy fell from 80.0% to 70.0%."]
    assert [r["check"] for r in verdict.refusals] == ["accuracy"]
    verdict = gate(evaluation(0.90, 0.80, {}), live, tolerance=0)
    assert not verdict.passed and verdict.reasons == ["Out-of-scope recall fell from 90.0% to 80.0%."]


def test_what_got_worse_names_the_intents_and_their_confusions():
    live = evaluation(0.80, 0.90, {"library_opening_hours": 0.9, "library_renew": 0.8})
    worse = worse_intents(evaluation(0.70, 0.9, {"library_opening_hours": 0.0, "library_renew": 0.8}), live)
    assert [w["intent"] for w in worse] == ["library_opening_hours"]
    assert worse[0]["pairs"][0]["predicted"] == "library_renew"


def test_one_message_of_training_noise_is_tolerated_two_are_not():
    live = held_out(90, 8)
    assert gate(held_out(89, 7), live, tolerance=1).refusals == []
    assert not gate(held_out(89, 8), live, tolerance=0).passed
    verdict = gate(held_out(88, 6), live, tolerance=1)
    assert not verdict.passed
    assert verdict.reasons == ["Accuracy fell from 90.0% to 88.0% (2 more held-out messages wrong).",
                               "Out-of-scope recall fell from 80.0% to 60.0% (2 more held-out messages wrong)."]
    assert verdict.refusals[1]["examples"] == ["oos 6 (out_of_scope taken for greet)",
                                               "oos 7 (out_of_scope taken for greet)"]


def test_more_in_scope_messages_sent_to_the_fallback_is_refused_with_those_messages():
    live = held_out(90, 8, fallback=2)
    # As accurate as the live model, but two of its wrong answers are now "I can't help" instead of a task.
    candidate = held_out(90, 8, fallback=4)
    verdict = gate(candidate, live, tolerance=1)
    assert [r["check"] for r in verdict.refusals] == ["fallback"]
    assert verdict.reasons == [
        "More in-scope messages went to the fallback: 2 to 4 of 90 held-out (2 more; 1 allowed)."]
    assert verdict.refusals[0]["examples"] == ["greeting 2", "greeting 3"]
    assert verdict.refusals[0]["title"] == "In-scope messages sent to the fallback"
    # One more is within the tolerance (training noise); with no tolerance it is refused.
    assert gate(held_out(90, 8, fallback=3), live, tolerance=1).passed
    assert [r["check"] for r in gate(held_out(90, 8, fallback=3), live, tolerance=0).refusals] == ["fallback"]
    # Fewer fallbacks pass.
    assert gate(held_out(90, 8, fallback=0), live, tolerance=0).passed


def test_an_urgent_message_the_live_model_caught_and_the_candidate_misses_is_refused_even_when_more_accurate():
    live = held_out(88, 8, urgent_set={"water pouring through the ceiling": "home_flooding"})
    candidate = held_out(90, 8, urgent_missed=("urgent 3",),
                         urgent_set={"water pouring through the ceiling": "immediate_danger"})
    verdict = gate(candidate, live, tolerance=1)
    assert [r["check"] for r in verdict.refusals] == ["urgent"]
    assert verdict.reasons == ["2 urgent messages the live model caught were missed (5 of 7 still caught)."]
    # Another urgent route counts as a miss: each route gives other numbers to call.
    assert verdict.refusals[0]["examples"] == ["urgent 3 (needs home_flooding, got greet)",
                                               "water pouring through the ceiling (needs home_flooding, got "
                                               "immediate_danger)"]


def test_an_urgent_message_the_live_model_missed_too_does_not_refuse():
    live = held_out(89, 8, urgent_missed=("urgent 1",))
    assert gate(held_out(89, 8, urgent_missed=("urgent 1",)), live, tolerance=0).passed
    # ... but missing one more does, with no tolerance at all.
    verdict = gate(held_out(90, 8, urgent_missed=("urgent 1", "urgent 2")), live, tolerance=5)
    assert [r["check"] for r in verdict.refusals] == ["urgent"]
    assert verdict.refusals[0]["examples"] == ["urgent 2 (needs home_flooding, got greet)"]


FAILED_CONVERSATIONS = {"passed": False, "total": 42, "failed": [
    {"story": "missed bin happy path", "wrong": ["expected missed_bin_form, predicted action_default_fallback"]}]}


def test_failed_conversation_tests_refuse_the_candidate_with_the_stories():
    live = held_out(90, 8)
    verdict = gate(held_out(90, 8), live, tolerance=1, conversations=FAILED_CONVERSATIONS)
    assert [r["check"] for r in verdict.refusals] == ["conversations"]
    assert verdict.reasons == ["1 of 42 conversation tests failed."]
    assert verdict.refusals[0]["examples"] == [
        "missed bin happy path: expected missed_bin_form, predicted action_default_fallback"]
    assert gate(held_out(90, 8), live, tolerance=1, conversations={"passed": True, "total": 42, "failed": []}).passed


def test_failed_conversation_tests_refuse_even_a_first_model():
    verdict = gate(held_out(90, 8), None, tolerance=1, conversations=FAILED_CONVERSATIONS)
    assert not verdict.passed and [r["check"] for r in verdict.refusals] == ["conversations"]


def test_every_check_that_failed_is_named_in_the_console_order():
    live = held_out(90, 8, fallback=1)
    candidate = held_out(80, 6, fallback=6, urgent_missed=("urgent 0",))
    verdict = gate(candidate, live, tolerance=1, conversations=FAILED_CONVERSATIONS)
    assert [r["check"] for r in verdict.refusals] == ["accuracy", "oos_recall", "fallback", "urgent", "conversations"]
