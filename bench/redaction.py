"""Recall and precision of personal-data redaction per kind, on the project's labelled set, before and after.

    .venv/bin/python bench/redaction.py [--set bench/redaction_set.yml] [--misses]

Compares in one run, on the same messages and entities:

- **before**: the console's redaction before issue 9 (``bench/redaction_before.py``, a copy of commit 2a5c1f9);
- **after**: ``privacy.redaction`` (cue patterns, Google's ``phonenumbers`` for phone numbers of every country,
  the ``address``/``location`` entity values);
- **after, no phonenumbers**: the same with the library switched off, to show what the library adds over the
  project's own UK pattern;
- **scrubadub** (when importable): scrubadub 2's default detectors for ``en_GB`` plus its date-of-birth detector.
  It is not a dependency: its newest ``dateparser`` needs a ``regex`` beyond Rasa's pin, and its name detectors
  need NLTK corpora or a spaCy NER model, neither of which may be downloaded. To score it, install it apart
  (``pip install --target /tmp/scrub scrubadub "regex<2022.11" "dateparser<1.3"``) and pass
  ``--extra-path /tmp/scrub`` (appended to ``sys.path``, so the venv's own packages win).
  Presidio's analyzer was not scored: it needs spaCy >= 3.8 and pydantic 2, and Rasa 3.6 pins spaCy < 3.5 and
  pydantic < 1.10.10; its names and places would come from a NER model the project's blank pipeline lacks.

The set has two parts: ``dev`` (written while the patterns were made, so its figures flatter them) and ``fresh``
(written after the patterns were frozen); both are printed.

Each redactor is judged on its output text only: the output is aligned back onto the message (every mask such
as ``<name>`` or a postcode's ``***`` stands for the characters it replaced). A labelled span is *recalled* when
every letter and digit of it is masked (for a postcode, its inward part: the outward part is kept on purpose).
A masked stretch is *correct* when it overlaps a labelled span. Recall is per labelled kind, precision per kind
of mask. Target: overall recall >= 0.95. Prints a table and a one-line JSON summary last; exits 0 when it ran.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redaction_before  # bench/ is the script's folder
import yaml

from privacy import redaction

SET = Path(__file__).resolve().parent / "redaction_set.yml"
# A postcode comes back as its outward part, upper case and spaced, then ``***``: the whole stands for the postcode.
# scrubadub writes ``{{PHONE}}``.
MASK = re.compile(r"<[A-Za-z ]+>|\b[A-Z]{1,2}\d[A-Z\d]? \*\*\*|\*\*\*|\{\{[A-Z_+]+\}\}")
TARGET_RECALL = 0.95


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled items, each with Rasa-shaped entities (start, end, value) built from its entity values."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    for item in items:
        text = item["text"]
        item["rasa_entities"] = [
            {"entity": name, "value": value, "start": text.index(value), "end": text.index(value) + len(value)}
            for name, values in (item.get("entities") or {}).items() for value in values
        ]
    return items


def masked_stretches(text: str, output: str) -> list[tuple[int, int, str]] | None:
    """Where ``output`` masked ``text``: (start, end, mask) per mask; None when the output does not align."""
    pieces, masks = [], []
    cursor = 0
    for match in MASK.finditer(output):
        pieces.append(re.escape(output[cursor:match.start()]))
        pieces.append("(.+?)")
        masks.append(match.group(0))
        cursor = match.end()
    pieces.append(re.escape(output[cursor:]))
    found = re.fullmatch("".join(pieces), text, flags=re.DOTALL | re.IGNORECASE)  # postcodes come back upper case
    if found is None:
        return None
    return [(found.start(i + 1), found.end(i + 1), masks[i]) for i in range(len(masks))]


def gold_positions(text: str, kind: str, value: str) -> set[int]:
    """The characters of a labelled span that must be masked."""
    start = text.index(value)
    positions = [i for i in range(start, start + len(value)) if text[i].isalnum()]
    return set(positions[-3:]) if kind == "postcode" else set(positions)


def mask_kind(mask: str) -> str:
    """The kind a mask stands for."""
    return "postcode" if mask.endswith("***") else mask.strip("<>{}").split("+")[0].lower().replace("_", " ")


def score(items: list[dict[str, Any]], redact: Callable[..., str]) -> dict[str, Any]:
    """Recall per labelled kind, precision per mask kind, overall, and the misses."""
    recalled, labelled = defaultdict(int), defaultdict(int)
    correct, masked = defaultdict(int), defaultdict(int)
    misses, false_masks = [], []
    for item in items:
        text = item["text"]
        stretches = masked_stretches(text, redact(text, item["rasa_entities"]))
        if stretches is None:
            raise SystemExit(f"cannot align the output for {text!r}")
        hidden = {i for start, end, _ in stretches for i in range(start, end)}
        spans = []
        for kind, values in (item.get("pii") or {}).items():
            for value in values:
                positions = gold_positions(text, kind, value)
                spans.append(set(range(text.index(value), text.index(value) + len(value))))
                labelled[kind] += 1
                if positions <= hidden:
                    recalled[kind] += 1
                else:
                    misses.append((kind, value, text))
        for start, end, mask in stretches:
            kind = mask_kind(mask)
            masked[kind] += 1
            if any(set(range(start, end)) & span for span in spans):
                correct[kind] += 1
            else:
                false_masks.append((kind, text[start:end], text))
    return {
        "recall": {k: (recalled[k], labelled[k]) for k in sorted(labelled)},
        "precision": {k: (correct[k], masked[k]) for k in sorted(masked)},
        "overall_recall": (sum(recalled.values()), sum(labelled.values())),
        "overall_precision": (sum(correct.values()), sum(masked.values())),
        "misses": misses,
        "false_masks": false_masks,
    }


@contextmanager
def without_phonenumbers():
    """Switch the phonenumbers library off inside ``privacy.redaction`` (its own UK pattern stays)."""
    matcher = redaction.phonenumbers.PhoneNumberMatcher
    redaction.phonenumbers.PhoneNumberMatcher = lambda *args, **kwargs: iter(())
    try:
        yield
    finally:
        redaction.phonenumbers.PhoneNumberMatcher = matcher


def scrubadub_redactor(extra_path: str | None) -> Callable[..., str] | None:
    """Scrubadub's scrubber for British English as a redactor, or None when it cannot be imported."""
    if extra_path:
        sys.path.append(extra_path)
    try:
        import scrubadub
        import scrubadub.detectors
    except ImportError:
        return None
    scrubber = scrubadub.Scrubber(locale="en_GB")
    scrubber.add_detector(scrubadub.detectors.DateOfBirthDetector)
    return lambda text, entities=None: scrubber.clean(text)


def _ratio(pair: tuple[int, int]) -> str:
    return f"{pair[0] / pair[1]:.3f} ({pair[0]}/{pair[1]})" if pair[1] else "-"


def main(argv: list[str] | None = None) -> int:
    """Score each redactor and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument("--misses", action="store_true", help="list what 'after' missed or masked wrongly")
    parser.add_argument("--extra-path", help="a folder with scrubadub installed apart (appended to sys.path)")
    args = parser.parse_args(argv)
    items = load(args.set)
    with_pii = sum(1 for item in items if item.get("pii"))
    print(f"{len(items)} messages ({with_pii} with personal data, {len(items) - with_pii} without) from {args.set}")
    results = {"before": score(items, redaction_before.redact), "after": score(items, redaction.redact)}
    with without_phonenumbers():
        results["after, no phonenumbers"] = score(items, redaction.redact)
    scrubadub = scrubadub_redactor(args.extra_path)
    if scrubadub is None:
        print("scrubadub: not importable, not scored (see --extra-path)")
    else:
        results["scrubadub"] = score(items, scrubadub)
    names = list(results)
    print(f"\nrecall per labelled kind (target overall >= {TARGET_RECALL})")
    print(f"{'kind':<15}" + "".join(f"{n:>26}" for n in names))
    for kind in results["after"]["recall"]:
        print(f"{kind:<15}" + "".join(f"{_ratio(results[n]['recall'].get(kind, (0, 0))):>26}" for n in names))
    print(f"{'overall':<15}" + "".join(f"{_ratio(results[n]['overall_recall']):>26}" for n in names))
    print("\nprecision per kind of mask (a mask is correct when it covers labelled personal data)")
    kinds = sorted({k for n in names for k in results[n]["precision"]})
    print(f"{'mask':<15}" + "".join(f"{n:>26}" for n in names))
    for kind in kinds:
        print(f"{kind:<15}" + "".join(f"{_ratio(results[n]['precision'].get(kind, (0, 0))):>26}" for n in names))
    print(f"{'overall':<15}" + "".join(f"{_ratio(results[n]['overall_precision']):>26}" for n in names))
    print("\nby part of the set: 'dev' was written while the patterns were made, 'fresh' after they were frozen")
    for split in ("dev", "fresh"):
        part = [item for item in items if item.get("split", "dev") == split]
        scores = {n: score(part, redactor) for n, redactor in (("before", redaction_before.redact),
                                                                 ("after", redaction.redact))}
        print(f"{split:<6} {len(part):>3} messages   recall before {_ratio(scores['before']['overall_recall'])}, "
              f"after {_ratio(scores['after']['overall_recall'])}; precision after "
              f"{_ratio(scores['after']['overall_precision'])}")
    if args.misses:
        print("\n'after' missed:")
        for kind, value, text in results["after"]["misses"]:
            print(f"  {kind:<14} {value!r:<30} in {text!r}")
        print("'after' masked what is not personal data:")
        for kind, value, text in results["after"]["false_masks"]:
            print(f"  {kind:<14} {value!r:<30} in {text!r}")
    summary = {n: {"recall": round(results[n]["overall_recall"][0] / results[n]["overall_recall"][1], 4),
                   "precision": round(results[n]["overall_precision"][0] / max(1, results[n]["overall_precision"][1]),
                                      4)} for n in names}
    print(json.dumps({"messages": len(items), **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
