"""Write corrected resident messages into ``nlu_data/``: the intent's own service file, tidy and without duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from service_directory.training_data import GENERATED_FILE
from staff_console.redaction import redact

INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
EXAMPLE_LINE = re.compile(r"^\s+- (.*)$")
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|\{[^}]*\})")
OUT_OF_SCOPE_FILE = "out_of_scope_council.yml"
NEW_INTENTS_FILE = "corrections.yml"


def plain_text(example: str) -> str:
    """The text of an annotated example (``[FB1 2AA](postcode)`` -> ``FB1 2AA``)."""
    return ANNOTATION.sub(lambda m: m.group(1), example)


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: two examples equal under this are duplicates."""
    return " ".join(re.sub(r"[^\w\s<>*]", " ", plain_text(text).lower()).split())


def annotate(text: str, entities: list[dict]) -> str:
    """Mark entity spans of ``text`` in Rasa's inline format; spans that overlap or fall outside are dropped."""
    spans = sorted(
        (e for e in entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)),
        key=lambda e: e["start"],
    )
    out, cursor = [], 0
    for entity in spans:
        start, end = entity["start"], entity["end"]
        if start < cursor or end > len(text) or start >= end:
            continue
        out.append(text[cursor:start])
        out.append(f"[{text[start:end]}]({entity['entity']})")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _examples_in(path: Path) -> set[str]:
    examples = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXAMPLE_LINE.match(line)
        if match:
            examples.add(normalise(match.group(1)))
    return examples


@dataclass
class WriteResult:
    """What happened to one example: written, duplicate (already there) or heldout (refused)."""

    outcome: str
    file: str = ""


class TrainingData:
    """The NLU data folder (``nlu_data/`` or a copy of it) and the held-out set that must never enter it."""

    def __init__(self, data_dir: Path, heldout_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.heldout_dir = Path(heldout_dir)

    def files(self) -> list[Path]:
        """The NLU files (lookups and synonyms excluded)."""
        return sorted(p for p in self.data_dir.glob("*.yml") if p.name != "synonyms.yml")

    def intents(self) -> list[str]:
        """Every intent with examples in the data."""
        found = set()
        for path in self.files():
            for line in path.read_text(encoding="utf-8").splitlines():
                match = INTENT_LINE.match(line)
                if match:
                    found.add(match.group(1))
        return sorted(found)

    def file_for(self, intent: str) -> Path:
        """The service file that holds ``intent`` (out-of-scope corrections go to the council out-of-scope file)."""
        if intent in ("out_of_scope", "nlu_fallback"):
            preferred = self.data_dir / OUT_OF_SCOPE_FILE
            if preferred.exists():
                return preferred
        for path in self.files():
            if path.name == GENERATED_FILE:
                continue  # generated from the A to Z and rewritten by its script: corrections would be lost
            if any(INTENT_LINE.match(line) and INTENT_LINE.match(line).group(1) == intent
                   for line in path.read_text(encoding="utf-8").splitlines()):
                return path
        return self.data_dir / NEW_INTENTS_FILE

    def heldout_texts(self) -> set[str]:
        """Normalised texts of the held-out set."""
        texts: set[str] = set()
        for path in sorted(self.heldout_dir.glob("*.yml")):
            texts |= _examples_in(path)
        return texts

    def add_example(self, intent: str, example: str) -> WriteResult:
        """Append ``example`` (already redacted, maybe annotated) at the end of ``intent``'s examples.

        The example is redacted again as a safeguard; it is refused when it is in the held-out set and
        skipped when any NLU file already has it.
        """
        if intent == "nlu_fallback":
            intent = "out_of_scope"
        example = " ".join(_redact_annotated(example).split())
        key = normalise(example)
        if not key:
            return WriteResult("empty")
        if key in self.heldout_texts():
            return WriteResult("heldout")
        path = self.file_for(intent)
        for other in self.files():
            if key in _examples_in(other):
                return WriteResult("duplicate", other.name)
        line = f"    - {example}"
        if not path.exists():
            path.write_text(
                "# Examples added by staff in the staff console for intents no service file holds yet.\n"
                'version: "3.1"\n\nnlu:\n', encoding="utf-8")
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next((i for i, text in enumerate(lines)
                      if INTENT_LINE.match(text) and INTENT_LINE.match(text).group(1) == intent), None)
        if start is None:
            while lines and not lines[-1].strip():
                lines.pop()
            lines += [f"- intent: {intent}", "  examples: |", line]
        else:
            end = start + 1
            while end < len(lines) and not lines[end].startswith("- "):
                end += 1
            insert_at = end
            while insert_at > start + 1 and not lines[insert_at - 1].strip():
                insert_at -= 1
            lines.insert(insert_at, line)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return WriteResult("written", path.name)


def _redact_annotated(example: str) -> str:
    """Redact the text parts and the entity values of an annotated example alike."""
    return ANNOTATION.sub(lambda m: f"[{redact(m.group(1))}]({m.group(2)})" if m.group(2) else redact(m.group(0)),
                          redact_outside(example))


def redact_outside(example: str) -> str:
    """Redact the parts of an annotated example outside ``[...](...)`` annotations."""
    parts, cursor = [], 0
    for match in ANNOTATION.finditer(example):
        parts.append(redact(example[cursor:match.start()]))
        parts.append(match.group(0))
        cursor = match.end()
    parts.append(redact(example[cursor:]))
    return "".join(parts)
