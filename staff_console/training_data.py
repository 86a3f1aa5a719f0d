"""Write corrected resident messages into ``nlu_data/``: the intent's own service file, tidy and without duplicates."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from evaluation import manifest
from privacy.redaction import redact
from service_directory.training_data import GENERATED_FILE

INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
EXAMPLE_LINE = re.compile(r"^\s+- (.*)$")
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|\{[^}]*\})")
# The one annotation an editor may write: ``[words](entity)``. No synonym (``:value``), no JSON, no roles, so a
# correction can only mark where an entity of the domain is, never teach Rasa a value.
EDITOR_ANNOTATION = re.compile(r"\[([^\[\]()]+)\]\(([A-Za-z_][\w-]*)\)")
# Rasa 3.6's reader has no escape for its annotation syntax (entities_parser.ENTITY_REGEX ignores backslashes),
# so square brackets in a resident's words become round ones: without ``[`` nothing can parse as an annotation.
LITERAL_BRACKETS = str.maketrans("[]", "()")
# Characters YAML refuses or reads as a line break, and invisible format characters (bidi overrides, BOM).
UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
OUT_OF_SCOPE_FILE = "out_of_scope_council.yml"
NEW_INTENTS_FILE = "corrections.yml"
ACTIONS = ("confirm", "relabel", "out_of_scope")


class BadCorrection(ValueError):
    """A correction that cannot be written as it is (unknown intent or entity, a broken file); nothing was written."""


def literal_words(text: str) -> str:
    """A resident's words as plain training text: unprintable characters become spaces, ``[ ]`` become ``( )``.

    Every character maps to exactly one, so entity offsets into ``text`` stay valid.
    """
    return "".join(" " if unicodedata.category(c) in UNPRINTABLE else c for c in text).translate(LITERAL_BRACKETS)


def plain_text(example: str) -> str:
    """The text of an annotated example (``[FB1 2AA](postcode)`` -> ``FB1 2AA``)."""
    return ANNOTATION.sub(lambda m: m.group(1), example)


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: two examples equal under this are duplicates."""
    return " ".join(re.sub(r"[^\w\s<>*]", " ", plain_text(text).lower()).split())


def annotate(text: str, entities: list[dict], allowed: set[str] | None = None) -> str:
    """Mark entity spans of ``text`` in Rasa's inline format, the words made literal first.

    Spans that overlap, fall outside the text or name an entity not in ``allowed`` (when given) are dropped.
    """
    text = literal_words(text)
    spans = sorted(
        (e for e in entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
         and (allowed is None or e.get("entity") in allowed)),
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


def editor_words(example: str) -> str:
    """The words of an editor's example as they will be read (annotations taken out, made literal), unredacted."""
    return " ".join(literal_words(EDITOR_ANNOTATION.sub(lambda m: m.group(1), example)).split())


def editor_example(example: str, entities: set[str]) -> tuple[str, str]:
    """An editor's annotated example made safe: (the example to write, its plain words).

    Only ``[words](entity)`` with an entity of the domain counts as an annotation; anything else is the
    resident's words, made literal and redacted like the text around it.

    Raises:
        BadCorrection: an annotation names an entity the domain does not declare.

    """
    parts, plain, cursor = [], [], 0
    for match in EDITOR_ANNOTATION.finditer(example):
        if match.group(2) not in entities:
            raise BadCorrection(f"{match.group(2)!r} is not an entity of the domain.")
        words = redact(literal_words(example[cursor:match.start()]))
        marked = redact(literal_words(match.group(1)))
        parts += [words, f"[{marked}]({match.group(2)})"]
        plain += [words, marked]
        cursor = match.end()
    tail = redact(literal_words(example[cursor:]))
    parts.append(tail)
    plain.append(tail)
    return " ".join("".join(parts).split()), " ".join("".join(plain).split())


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
    example: str = ""  # the example as written (or as it would have been), redacted and literal


class TrainingData:
    """The NLU data folder (``nlu_data/`` or a copy of it) and the held-out set that must never enter it.

    Writes go through one lock (a file beside the folder, so two console processes agree), are checked with
    Rasa's own reader, and replace the file atomically: a failed or refused write leaves the file as it was.
    """

    def __init__(self, data_dir: Path, heldout_dir: Path, domain: Path = manifest.ROOT / manifest.DOMAIN) -> None:
        self.data_dir = Path(data_dir)
        self.heldout_dir = Path(heldout_dir)
        self.domain = Path(domain)
        self.lock = FileLock(str(self.data_dir.parent / f".{self.data_dir.name}.lock"))

    def files(self) -> list[Path]:
        """The NLU files (lookups and synonyms excluded)."""
        return sorted(p for p in self.data_dir.glob("*.yml") if p.name != "synonyms.yml")

    def intents(self) -> list[str]:
        """The intents a correction may name: those the domain declares, less Rasa's ``nlu_fallback``."""
        return sorted(manifest.declared("intents", self.domain) - {"nlu_fallback"})

    def entities(self) -> set[str]:
        """The entities an editor may mark: those the domain declares."""
        return manifest.declared("entities", self.domain)

    def file_for(self, intent: str) -> Path:
        """The service file that holds ``intent`` (out-of-scope corrections go to the council out-of-scope file)."""
        if intent in ("out_of_scope", "nlu_fallback"):
            preferred = self.data_dir / OUT_OF_SCOPE_FILE
            if preferred.exists():
                return preferred
        # The intent's own service file is the one with most of its examples (near_miss.yml holds a few of many).
        counts = {path: _count_examples(path, intent) for path in self.files()
                  # generated from the A to Z and rewritten by its script: corrections would be lost
                  if path.name != GENERATED_FILE}
        home = max(counts, key=lambda path: counts[path], default=None)
        return home if home is not None and counts[home] else self.data_dir / NEW_INTENTS_FILE

    def heldout_texts(self) -> set[str]:
        """Normalised texts of the held-out set."""
        texts: set[str] = set()
        for path in sorted(self.heldout_dir.glob("*.yml")):
            texts |= _examples_in(path)
        return texts

    def add_example(self, intent: str, example: str) -> WriteResult:
        """Append ``example`` (maybe annotated) at the end of ``intent``'s examples, redacted and made literal.

        Refused when it is in the held-out set, skipped when any NLU file already has it.

        Raises:
            BadCorrection: the intent or an entity is not the domain's, or Rasa's reader rejects the result.

        """
        if intent == "nlu_fallback":
            intent = "out_of_scope"
        if intent not in self.intents():
            raise BadCorrection(f"{intent!r} is not an intent of the domain.")
        example, words = editor_example(example, self.entities())
        key = normalise(words)
        if not key:
            return WriteResult("empty", example=example)
        if key in self.heldout_texts():
            return WriteResult("heldout", example=example)
        with self.lock:
            path = self.file_for(intent)
            for other in self.files():
                if key in _examples_in(other):
                    return WriteResult("duplicate", other.name, example)
            text = _with_example(path.read_text(encoding="utf-8") if path.exists() else NEW_FILE, intent, example)
            _check_with_rasa(text, intent, words)
            _replace(path, text)
        return WriteResult("written", path.name, example)


def _count_examples(path: Path, intent: str) -> int:
    """How many examples ``intent`` has in the file."""
    count, inside = 0, False
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = INTENT_LINE.match(line)
        if heading or line.startswith("- "):
            inside = bool(heading) and heading.group(1) == intent
        elif inside and line.lstrip().startswith("- "):
            count += 1
    return count


NEW_FILE = ("# Examples added by staff in the staff console for intents no service file holds yet.\n"
            'version: "3.1"\n\nnlu:\n')


def _with_example(text: str, intent: str, example: str) -> str:
    """The file's text with ``example`` last among ``intent``'s examples (a new intent block at the end)."""
    line = f"    - {example}"
    lines = text.splitlines()
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
    return "\n".join(lines) + "\n"


def _check_with_rasa(text: str, intent: str, words: str) -> None:
    """Read the new file with Rasa's own NLU reader: it must parse, and hold the example as plain words.

    Raises:
        BadCorrection: Rasa cannot read the file, or reads the example as other words or with a synonym.

    """
    try:
        data = RasaYAMLReader().reads(text)
    except (RasaException, ValueError) as error:
        raise BadCorrection(f"Rasa could not read the training file with this example: {error}") from None
    found = [m for m in data.training_examples if m.get("intent") == intent and m.get("text") == words]
    if not found:
        raise BadCorrection("Rasa would read this example as other words; nothing was written.")
    if any(e.get("value") != words[e["start"]:e["end"]] for m in found for e in m.get("entities") or []):
        raise BadCorrection("An annotation would teach Rasa a synonym; nothing was written.")


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place: readers see old or new, never half."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
