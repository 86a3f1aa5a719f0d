"""The evaluation gate: whether a retrained model may replace the live one, and what got worse if not."""

from __future__ import annotations

from typing import Any

from evaluation.metrics import OUT_OF_SCOPE, normalise_intent


def gate(candidate: dict[str, Any], live: dict[str, Any] | None, tolerance: int) -> tuple[bool, list[str]]:
    """Publish only if the candidate is not worse than the live model on accuracy and out-of-scope recall.

    ``tolerance`` (``ConsoleConfig.gate_tolerance``, the one default) is how many more held-out messages the
    candidate may get wrong on each measure before it counts as worse: two trainings on nearly the same data
    differ by a message or so by chance, and a strict gate would then keep every correction back.
    Returns (passed, reasons): what got worse, in plain English.
    """
    if live is None:
        return True, ["No live model with an evaluation to compare with: the first model is published."]
    reasons = []
    allowed = _allowance(tolerance, candidate.get("n"))
    if candidate["accuracy"] < live["accuracy"] - allowed - 1e-9:
        reasons.append(f"Accuracy fell from {live['accuracy']:.1%} to {candidate['accuracy']:.1%}"
                       f"{_wrong(candidate['accuracy'], live['accuracy'], candidate.get('n'))}.")
    new_oos, old_oos = candidate.get("oos_recall"), live.get("oos_recall")
    n_oos = _out_of_scope_count(candidate)
    if old_oos is not None and (new_oos is None or new_oos < old_oos - _allowance(tolerance, n_oos) - 1e-9):
        reasons.append(f"Out-of-scope recall fell from {old_oos:.1%} to {(new_oos or 0):.1%}"
                       f"{_wrong(new_oos or 0, old_oos, n_oos)}.")
    return not reasons, reasons


def _allowance(tolerance: int, n: int | None) -> float:
    return tolerance / n if tolerance and n else 0.0


def _wrong(new: float, old: float, n: int | None) -> str:
    return f" ({round((old - new) * n)} more held-out messages wrong)" if n else ""


def _out_of_scope_count(evaluation: dict[str, Any]) -> int | None:
    predictions = evaluation.get("predictions")
    if not predictions:
        return None
    return sum(normalise_intent(p["gold"]) == OUT_OF_SCOPE for p in predictions) or None


def worse_intents(candidate: dict[str, Any], live: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Intents whose F1 fell, worst first, with the candidate's confusion pairs that explain them."""
    if not live:
        return []
    out = []
    for intent, old in live.get("per_intent", {}).items():
        new = candidate.get("per_intent", {}).get(intent, {"f1": 0.0})
        if new["f1"] < old["f1"] - 1e-9:
            pairs = [p for p in candidate.get("confusion_pairs", []) if intent in (p["gold"], p["predicted"])]
            out.append({"intent": intent, "old_f1": old["f1"], "new_f1": new["f1"], "pairs": pairs[:3]})
    return sorted(out, key=lambda item: item["new_f1"] - item["old_f1"])


def summary(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The figures of an evaluation that the gate report keeps."""
    return {k: evaluation.get(k) for k in ("model", "n", "accuracy", "macro_f1", "oos_recall")}
