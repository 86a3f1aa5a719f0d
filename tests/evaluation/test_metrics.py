import pytest

from evaluation.metrics import (
    OUT_OF_SCOPE,
    confusion_matrix,
    confusion_pairs,
    entity_pairs,
    entity_scores,
    intent_scores,
    normalise_intent,
    oos_recall,
    sent_to_fallback,
    urgent_caught,
    urgent_recall,
)


def test_fallback_and_no_intent_are_one_out_of_scope_class():
    assert normalise_intent("nlu_fallback") == OUT_OF_SCOPE
    assert normalise_intent(None) == OUT_OF_SCOPE
    assert normalise_intent("greet") == "greet"


def test_intent_scores_count_accuracy_and_macro_f1_over_gold_labels():
    gold = ["greet", "greet", "thank", "out_of_scope"]
    predicted = ["greet", "thank", "thank", "out_of_scope"]
    scores = intent_scores(gold, predicted)
    assert scores.n == 4
    assert scores.accuracy == pytest.approx(0.75)
    # greet P=1 R=.5 F=.667; thank P=.5 R=1 F=.667; out_of_scope F=1
    assert scores.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert scores.per_intent["greet"]["support"] == 2


def test_out_of_scope_recall_counts_only_gold_out_of_scope_messages():
    gold = ["out_of_scope", "nlu_fallback", "greet"]
    assert oos_recall(gold, ["nlu_fallback", "greet", "out_of_scope"]) == pytest.approx(0.5)
    assert oos_recall(["greet"], ["greet"]) is None


def test_entity_scores_compare_exact_pairs_and_keep_only_named_entities():
    gold = [frozenset({("postcode", "FB1 2AA")}), frozenset({("bin_type", "recycling")})]
    predicted = [frozenset({("postcode", "FB1 2AA")}), frozenset({("bin_type", "general")})]
    scores = entity_scores(gold, predicted)
    assert (scores.tp, scores.fp, scores.fn) == (1, 1, 1)
    assert scores.per_entity["bin_type"]["f1"] == 0.0
    raw = [{"entity": "postcode", "value": " FB1 2AA "}, {"entity": "GPE", "value": "Paris"}]
    assert entity_pairs(raw, keep=frozenset({"postcode"})) == frozenset({("postcode", "FB1 2AA")})


def test_confusions_rank_the_most_frequent_mistakes_with_examples():
    gold = ["greet", "greet", "thank"]
    predicted = ["thank", "thank", "thank"]
    pairs = confusion_pairs(gold, predicted, ["hi", "hello", "ta"])
    assert pairs == [{"gold": "greet", "predicted": "thank", "count": 2, "examples": ["hi", "hello"]}]
    labels, matrix = confusion_matrix(["greet", "out_of_scope"], ["greet", "greet"])
    assert labels == ["greet", "out_of_scope"] and matrix == [[1, 0], [1, 0]]


def test_sent_to_fallback_lists_in_scope_messages_only():
    gold = ["greet", "greet", "out_of_scope", "report_pothole"]
    predicted = ["nlu_fallback", "greet", "nlu_fallback", "out_of_scope"]
    assert sent_to_fallback(gold, predicted, ["hi", "hello", "weather", "pothole"]) == ["hi", "pothole"]


def test_an_urgent_message_is_caught_only_by_its_own_route():
    gold = ["home_flooding", "home_flooding", "suicide_self_harm", "greet"]
    predicted = ["home_flooding", "immediate_danger", "nlu_fallback", "greet"]
    assert urgent_caught(gold, predicted, ["a", "b", "c", "d"]) == {"a": True, "b": False, "c": False}
    assert urgent_recall(gold, predicted) == pytest.approx(1 / 3)
    assert urgent_recall(["greet"], ["greet"]) is None
