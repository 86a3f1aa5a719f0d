"""The evaluation gate: a model is published only when it is not worse on accuracy and out-of-scope recall."""

from __future__ import annotations

from staff_console.training import gate, worse_intents


def evaluation(accuracy: float, oos: float | None, f1: dict[str, float]) -> dict:
    return {"accuracy": accuracy, "oos_recall": oos, "per_intent": {k: {"f1": v} for k, v in f1.items()},
            "confusion_pairs": [{"gold": "library_opening_hours", "predicted": "library_renew", "count": 9,
                                 "examples": ["library opening times"]}]}


def test_first_model_has_nothing_to_compare_with():
    assert gate(evaluation(0.5, 0.5, {}), None)[0]


def test_not_worse_is_published():
    live = evaluation(0.80, 0.90, {"a": 0.8})
    assert gate(evaluation(0.80, 0.90, {"a": 0.8}), live) == (True, [])
    assert gate(evaluation(0.85, 0.95, {"a": 0.9}), live) == (True, [])


def test_lower_accuracy_or_out_of_scope_recall_is_refused_with_reasons():
    live = evaluation(0.80, 0.90, {"library_opening_hours": 0.9, "library_renew": 0.8})
    passed, reasons = gate(evaluation(0.70, 0.95, {"library_opening_hours": 0.0, "library_renew": 0.6}), live)
    assert not passed and reasons == ["Accuracy fell from 80.0% to 70.0%."]
    passed, reasons = gate(evaluation(0.90, 0.80, {}), live)
    assert not passed and reasons == ["Out-of-scope recall fell from 90.0% to 80.0%."]


def test_what_got_worse_names_the_intents_and_their_confusions():
    live = evaluation(0.80, 0.90, {"library_opening_hours": 0.9, "library_renew": 0.8})
    worse = worse_intents(evaluation(0.70, 0.9, {"library_opening_hours": 0.0, "library_renew": 0.8}), live)
    assert [w["intent"] for w in worse] == ["library_opening_hours"]
    assert worse[0]["pairs"][0]["predicted"] == "library_renew"
