"""The evaluation gate: a model is published only when it is not worse on accuracy and out-of-scope recall."""

from __future__ import annotations

from staff_console.gate import gate, worse_intents


def evaluation(accuracy: float, oos: float | None, f1: dict[str, float]) -> dict:
    return {"accuracy": accuracy, "oos_recall": oos, "per_intent": {k: {"f1": v} for k, v in f1.items()},
            "confusion_pairs": [{"gold": "library_opening_hours", "predicted": "library_renew", "count": 9,
                                 "examples": ["library opening times"]}]}


def test_first_model_has_nothing_to_compare_with():
    assert gate(evaluation(0.5, 0.5, {}), None, tolerance=0)[0]


def test_not_worse_is_published():
    live = evaluation(0.80, 0.90, {"a": 0.8})
    assert gate(evaluation(0.80, 0.90, {"a": 0.8}), live, tolerance=0) == (True, [])
    assert gate(evaluation(0.85, 0.95, {"a": 0.9}), live, tolerance=0) == (True, [])


def test_lower_accuracy_or_out_of_scope_recall_is_refused_with_reasons():
    live = evaluation(0.80, 0.90, {"library_opening_hours": 0.9, "library_renew": 0.8})
    worse = evaluation(0.70, 0.95, {"library_opening_hours": 0.0, "library_renew": 0.6})
    passed, reasons = gate(worse, live, tolerance=0)
    assert not passed and reasons == ["Accuracy fell from 80.0% to 70.0%."]
    passed, reasons = gate(evaluation(0.90, 0.80, {}), live, tolerance=0)
    assert not passed and reasons == ["Out-of-scope recall fell from 90.0% to 80.0%."]


def test_what_got_worse_names_the_intents_and_their_confusions():
    live = evaluation(0.80, 0.90, {"library_opening_hours": 0.9, "library_renew": 0.8})
    worse = worse_intents(evaluation(0.70, 0.9, {"library_opening_hours": 0.0, "library_renew": 0.8}), live)
    assert [w["intent"] for w in worse] == ["library_opening_hours"]
    assert worse[0]["pairs"][0]["predicted"] == "library_renew"


def held_out(right: int, oos_right: int) -> dict:
    """An evaluation on 100 held-out messages, 10 of them out of scope."""
    predictions = [{"gold": "out_of_scope", "predicted": "nlu_fallback" if i < oos_right else "greet"}
                   for i in range(10)]
    predictions += [{"gold": "greet", "predicted": "greet"} for _ in range(90)]
    return {"n": 100, "accuracy": right / 100, "oos_recall": oos_right / 10, "predictions": predictions,
            "per_intent": {}, "confusion_pairs": []}


def test_one_message_of_training_noise_is_tolerated_two_are_not():
    live = held_out(90, 8)
    assert gate(held_out(89, 7), live, tolerance=1) == (True, [])
    assert not gate(held_out(89, 8), live, tolerance=0)[0]
    passed, reasons = gate(held_out(88, 6), live, tolerance=1)
    assert not passed
    assert reasons == ["Accuracy fell from 90.0% to 88.0% (2 more held-out messages wrong).",
                       "Out-of-scope recall fell from 80.0% to 60.0% (2 more held-out messages wrong)."]
