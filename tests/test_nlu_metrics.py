"""The held-out figures the issue sets targets on: in-scope accuracy and false fallback beside out-of-scope recall."""

from __future__ import annotations

from evaluation.metrics import false_fallback, in_scope_accuracy, oos_recall


def test_in_scope_accuracy_and_false_fallback_count_only_in_scope_messages() -> None:
    gold = ["greet", "report_problem", "report_problem", "bin_collection_day", "out_of_scope", "out_of_scope"]
    predicted = ["greet", "report_problem", "nlu_fallback", "report_missed_bin", "nlu_fallback", "greet"]
    assert in_scope_accuracy(gold, predicted) == 0.5
    assert false_fallback(gold, predicted) == 0.25
    assert oos_recall(gold, predicted) == 0.5


def test_no_in_scope_messages_gives_no_figure() -> None:
    assert in_scope_accuracy(["out_of_scope"], ["greet"]) is None
    assert false_fallback(["nlu_fallback"], ["nlu_fallback"]) is None
