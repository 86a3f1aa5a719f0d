"""The evaluation gate: whether a retrained model may replace the live one, and what got worse if not.

A candidate is refused when, beside the live model (its predecessor), it

- gets more held-out messages wrong (accuracy) or lets more out-of-scope messages through (out-of-scope recall),
- sends more in-scope held-out messages to the fallback (residents told "I can't help" with a task we do),
- misses an urgent message the live model caught (on the held-out urgent intents and the urgent set), or
- fails the conversation tests (Rasa test stories run against the candidate; no predecessor needed).

Each refusal names its check, says what got worse and gives the messages or stories as examples for staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evaluation.metrics import OUT_OF_SCOPE, normalise_intent, sent_to_fallback, urgent_caught

# The checks in the order the console shows them, with the words staff see.
CHECKS = {
    "accuracy": "Held-out accuracy",
    "oos_recall": "Out-of-scope recall",
    "fallback": "In-scope messages sent to the fallback",
    "urgent": "Urgent messages",
    "conversations": "Conversation tests",
}
EXAMPLES = 10  # examples kept per refusal: enough for staff to see the pattern


@dataclass
class Verdict:
    """The gate's decision: refusals (check, title, reason, examples) and notes that refused nothing."""

    refusals: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Published only when no check refused it."""
        return not self.refusals

    @property
    def reasons(self) -> list[str]:
        """What got worse, in plain English, one sentence per refusal."""
        return [r["reason"] for r in self.refusals]

    def refuse(self, check: str, reason: str, examples: list[str] | None = None) -> None:
        """Record that ``check`` refused the candidate."""
        self.refusals.append({"check": check, "title": CHECKS[check], "reason": reason,
                              "examples": list(examples or [])[:EXAMPLES]})


def gate(candidate: dict[str, Any], live: dict[str, Any] | None, tolerance: int,
         conversations: dict[str, Any] | None = None) -> Verdict:
    """Publish only if the candidate is not worse than the live model for residents.

    ``tolerance`` (``ConsoleConfig.gate_tolerance``, the one default) is how many more held-out messages the
    candidate may get wrong on accuracy, out-of-scope recall and the fallback before it counts as worse: two
    trainings on nearly the same data differ by a message or so by chance, and a strict gate would then keep
    every correction back (bench/finetune_vs_scratch.py). Urgent messages get no tolerance: one more missed is
    one resident in danger not given the number to call. ``conversations`` is the candidate's conversation-test
    result (``evaluation.conversation_tests``); None when the console is set to run none.
    """
    verdict = Verdict()
    if conversations is not None and not conversations["passed"]:
        failed = conversations["failed"]
        total = conversations.get("total")
        verdict.refuse("conversations", f"{len(failed)} of {total or 'the'} conversation tests failed.",
                       [f"{_story(s)}: {'; '.join(s['wrong'][:2]) or 'failed'}" for s in failed])
    if live is None:
        verdict.notes.append("No live model with an evaluation to compare with: the first model is published.")
        return verdict
    _accuracy(verdict, candidate, live, tolerance)
    _out_of_scope(verdict, candidate, live, tolerance)
    _fallback(verdict, candidate, live, tolerance)
    _urgent(verdict, candidate, live)
    verdict.refusals.sort(key=lambda r: list(CHECKS).index(r["check"]))
    return verdict


def _accuracy(verdict: Verdict, candidate: dict[str, Any], live: dict[str, Any], tolerance: int) -> None:
    allowed = _allowance(tolerance, candidate.get("n"))
    if candidate["accuracy"] < live["accuracy"] - allowed - 1e-9:
        verdict.refuse("accuracy", f"Accuracy fell from {live['accuracy']:.1%} to {candidate['accuracy']:.1%}"
                                   f"{_wrong(candidate['accuracy'], live['accuracy'], candidate.get('n'))}.",
                       _newly_wrong(candidate, live, lambda _p: True))


def _out_of_scope(verdict: Verdict, candidate: dict[str, Any], live: dict[str, Any], tolerance: int) -> None:
    new_oos, old_oos = candidate.get("oos_recall"), live.get("oos_recall")
    n_oos = _out_of_scope_count(candidate)
    if old_oos is not None and (new_oos is None or new_oos < old_oos - _allowance(tolerance, n_oos) - 1e-9):
        verdict.refuse("oos_recall", f"Out-of-scope recall fell from {old_oos:.1%} to {(new_oos or 0):.1%}"
                                     f"{_wrong(new_oos or 0, old_oos, n_oos)}.",
                       _newly_wrong(candidate, live, lambda p: p["gold"] == OUT_OF_SCOPE))


def _fallback(verdict: Verdict, candidate: dict[str, Any], live: dict[str, Any], tolerance: int) -> None:
    new, old = _fallback_texts(candidate), _fallback_texts(live)
    if len(new) > len(old) + tolerance:
        in_scope = sum(normalise_intent(p["gold"]) != OUT_OF_SCOPE for p in candidate.get("predictions") or [])
        before = set(old)
        verdict.refuse(
            "fallback",
            f"More in-scope messages went to the fallback: {len(old)} to {len(new)} of {in_scope} held-out "
            f"({len(new) - len(old)} more; {tolerance} allowed).",
            [t for t in new if t not in before])


def _urgent(verdict: Verdict, candidate: dict[str, Any], live: dict[str, Any]) -> None:
    old, new = _urgent_outcomes(live), _urgent_outcomes(candidate)
    missed = [text for text, (caught, _, _) in old.items() if caught and not new.get(text, (False,))[0]]
    if missed:
        caught_before = sum(caught for caught, _, _ in old.values())
        verdict.refuse(
            "urgent",
            f"{len(missed)} urgent message{'s' if len(missed) != 1 else ''} the live model caught "
            f"{'were' if len(missed) != 1 else 'was'} missed ({caught_before - len(missed)} of {caught_before} "
            "still caught).",
            [f"{t} (needs {new[t][1]}, got {new[t][2]})" if t in new else t for t in missed])


def _story(story: dict[str, Any]) -> str:
    return f"{story['story']} ({story['file']})" if story.get("file") else story["story"]


def _fallback_texts(evaluation: dict[str, Any]) -> list[str]:
    predictions = evaluation.get("predictions") or []
    return sent_to_fallback([p["gold"] for p in predictions], [p["predicted"] for p in predictions],
                            [p["text"] for p in predictions])


def _urgent_outcomes(evaluation: dict[str, Any]) -> dict[str, tuple[bool, str, str]]:
    """Each urgent message of the held-out set and the urgent set: (caught, its route, what the model chose)."""
    rows = [*(evaluation.get("predictions") or []), *(evaluation.get("urgent") or [])]
    caught = urgent_caught([r["gold"] for r in rows], [r["predicted"] for r in rows], [r["text"] for r in rows])
    routes = {r["text"]: (r["gold"], r["predicted"]) for r in rows if r["text"] in caught}
    return {text: (ok, *routes[text]) for text, ok in caught.items()}


def _newly_wrong(candidate: dict[str, Any], live: dict[str, Any], keep: Any) -> list[str]:
    """Held-out messages the live model got right and the candidate gets wrong (among those ``keep`` selects)."""
    right_before = {p["text"] for p in live.get("predictions") or []
                    if keep(p) and normalise_intent(p["predicted"]) == normalise_intent(p["gold"])}
    return [f"{p['text']} ({p['gold']} taken for {normalise_intent(p['predicted'])})"
            for p in candidate.get("predictions") or []
            if p["text"] in right_before and normalise_intent(p["predicted"]) != normalise_intent(p["gold"])]


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
    return {k: evaluation.get(k) for k in ("model", "n", "accuracy", "macro_f1", "oos_recall", "in_scope_accuracy",
                                           "fallback_rate", "urgent_recall")}
