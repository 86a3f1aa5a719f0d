"""Generate the Alexa interaction model from nlu_data/ and check it against Alexa's limits.

`python -m voice_skill.interaction_model` writes skill-package/interactionModels/custom/en-GB.json;
`--check` regenerates it in memory and exits 1 when the committed file differs or breaks a limit, so CI
catches drift between the voice and chat channels' training data.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "nlu_data"
MODEL_PATH = Path(__file__).resolve().parent / "skill-package" / "interactionModels" / "custom" / "en-GB.json"

# Intents never trained, or better left to AMAZON.FallbackIntent than listed as samples. `inform` holds bare
# answers ("FB1 2AA", "it's on Mill Lane", "number 5"): as Alexa samples they are a lone wide slot that free
# speech falls into ("my neighbour is hitting his kids" -> /inform{"reference": ...} -> "Thanks"), so answers
# reach Rasa as words through the catch-all instead, where the form that asked takes them (see CATCH_ALL).
EXCLUDED_INTENTS = frozenset({"nlu_fallback", "out_of_scope", "inform"})
# Intents whose name alone says nothing: only samples with a slot (the words) are useful to Alexa. The A to Z
# needs to know which service was asked for, and Alexa gives a skill no transcript.
SLOT_SAMPLES_ONLY = frozenset({"council_service"})
# Rasa intents that Alexa already knows: the skill maps the built-in back to the Rasa intent.
BUILT_IN_FOR = {
    "affirm": "AMAZON.YesIntent",
    "deny": "AMAZON.NoIntent",
    "help": "AMAZON.HelpIntent",
    "cancel": "AMAZON.CancelIntent",
    "goodbye": "AMAZON.StopIntent",
}
REQUIRED_BUILT_INS = (
    "AMAZON.CancelIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent", "AMAZON.StartOverIntent",
)
# Entities whose values are open-ended: Alexa's own types hear them better than a short list would.
BUILT_IN_SLOT_TYPES = {"reference": "AMAZON.AlphaNumeric"}
# Words that carry no request on their own: a sample whose words outside its slots are all among these is a
# bare slot ("{postcode}", "the {bin_type}", "{item} please", "on {location}") and would swallow free speech.
FILLER_WORDS = frozenset({
    "a", "an", "the", "it", "it's", "its", "is", "my", "our", "on", "in", "at", "for", "to", "of", "and",
    "please", "yes", "no", "i", "i'm", "um", "er", "erm", "oh", "just", "that", "that's", "this", "one", "number",
    "near", "by", "outside", "with", "about", "some", "any", "here", "there",
})
CATCH_ALL_INTENT = "CatchAllIntent"
FREE_SPEECH_SLOT = "text"  # the bare sample's slot: its value is everything the resident said
FREE_SPEECH_TYPE = "FREE_SPEECH"
MAX_FREE_SPEECH_VALUES = 2500
# Ways residents lead into what they say. Each carrier has a slot of its own (named after its words), so the
# skill knows which one Alexa heard and sends the whole phrase, "there's a pothole on Mill Lane", not only
# "a pothole on Mill Lane": the carrier's words are part of the request.
CARRIERS = (
    "it's", "it is", "my postcode is", "the postcode is", "the address is", "i live at", "i said", "i want to",
    "i need to", "i'd like to", "can you", "tell me", "i want to know", "what about", "how do i", "it's about",
    "the problem is", "there's", "there is", "it's on", "outside", "near", "my email is", "my email address is",
    "my phone number is", "my name is", "i think", "i'm", "i am", "i've", "we're", "we've", "someone",
    "my neighbour", "my landlord", "my partner",
)
SELECT_OPTION = {
    "name": "SelectOptionIntent",
    "slots": [{"name": "option", "type": "AMAZON.NUMBER"}],
    # Only with a leading word: a bare "{option}" is heard through the catch-all and matched to the buttons.
    "samples": ["option {option}", "choice {option}", "option number {option}"],
}
MAX_SAMPLES_PER_INTENT = 200
MAX_UTTERANCE_CHARS = 200
MAX_SLOT_VALUE_CHARS = 140
LAUNCH_WORDS = {"ask", "begin", "can", "enable", "launch", "load", "open", "play", "resume", "run", "start",
                "talk", "tell", "use"}
CONNECTING_WORDS = {"a", "an", "and", "by", "for", "from", "if", "of", "the", "to", "whether", "with"}
WAKE_WORDS = {"alexa", "amazon", "echo", "computer", "skill", "app", "ziggy"}

_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|(?P<json>\{[^}]*\}))")
_NAME = re.compile(r"^[A-Za-z][A-Za-z_]*$")
_UTTERANCE = re.compile(r"^(?:[a-z' .\-]|\{[A-Za-z][A-Za-z_]*\})+$")
_SLOT_REF = re.compile(r"\{([^}]*)\}")
_DROP_PUNCTUATION = re.compile(r"[?!,;:\"()…“”‘’]")


@dataclass
class NluData:
    """What the generator reads from nlu_data/: examples per intent, lookups and synonyms."""

    examples: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # canonical value -> residents' words


def _items(block: str) -> list[str]:
    return [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


def read_nlu(directory: Path = NLU_DIR) -> NluData:
    """Every intent's examples, lookup table and synonym in the NLU YAML files, in file order."""
    data = NluData()
    for path in sorted(directory.rglob("*.yml")):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            if "intent" in entry:
                data.examples.setdefault(entry["intent"], []).extend(_items(entry.get("examples", "")))
            elif "lookup" in entry:
                data.lookups.setdefault(entry["lookup"], []).extend(_items(entry.get("examples", "")))
            elif "synonym" in entry:
                data.synonyms.setdefault(str(entry["synonym"]), []).extend(_items(entry.get("examples", "")))
    return data


def annotations(example: str) -> list[tuple[str, str, str | None]]:
    """(text, entity, value) for each entity annotation of a Rasa example."""
    found = []
    for match in _ANNOTATION.finditer(example):
        if match.group("json"):
            try:
                spec = json.loads(match.group("json"))
            except ValueError:
                continue
            found.append((match.group("text"), str(spec.get("entity", "")), spec.get("value")))
        else:
            entity, _, value = match.group("entity").partition(":")
            found.append((match.group("text"), entity, value or None))
    return found


def clean_words(text: str) -> str:
    """Lower case, punctuation Alexa does not read removed, single spaces."""
    text = _DROP_PUNCTUATION.sub(" ", text.lower()).replace("&", " and ")
    text = re.sub(r"(?<![a-z])\.|\.(?![a-z])", " ", text)  # keep periods only inside initialisms ("a.m")
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # apostrophes only inside words ("it's")
    return re.sub(r"\s+", " ", text).strip(" -")


def to_utterance(example: str) -> tuple[str, list[str]] | None:
    """The Alexa sample for a Rasa example (entities become `{slot}`), or None when Alexa would reject it."""
    slots = [entity for _, entity, _ in annotations(example)]
    if len(slots) != len(set(slots)):
        return None  # Alexa allows each slot once per utterance
    utterance = _ANNOTATION.sub(lambda m: " {" + (annotations(m.group(0))[0][1]) + "} ", example)
    utterance = clean_words(utterance)
    if not utterance or not _UTTERANCE.match(utterance) or len(utterance) > MAX_UTTERANCE_CHARS:
        return None  # digits, symbols or references Alexa cannot take as a sample
    return utterance, slots


def slot_type_name(entity: str) -> str:
    """The custom slot type for an entity (POSTCODE, BIN_TYPE, ...), or the Amazon type it uses."""
    return BUILT_IN_SLOT_TYPES.get(entity) or re.sub(r"[^A-Z_]", "_", entity.upper())


def _clean_value(value: str, entity: str) -> str | None:
    value = re.sub(r"\s+", " ", value).strip()
    if entity == "postcode":
        compact = value.replace(" ", "").upper()
        value = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
    if not value or len(value) > MAX_SLOT_VALUE_CHARS or not re.match(r"^[\w' .\-&]+$", value):
        return None
    return value


def slot_types(nlu: NluData, entities: Iterable[str]) -> list[dict[str, Any]]:
    """Custom slot types from annotated values, lookup tables and synonyms (canonical value + synonyms)."""
    word_to_canonical = {word.lower(): canonical for canonical, words in nlu.synonyms.items() for word in words}
    heard: dict[str, list[tuple[str, str | None]]] = {}
    for examples in nlu.examples.values():
        for example in examples:
            for text, entity, value in annotations(example):
                heard.setdefault(entity, []).append((text, value))
    types = []
    for entity in sorted(set(entities)):
        if entity in BUILT_IN_SLOT_TYPES:
            continue
        values: dict[str, list[str]] = {}
        candidates = [(t, v) for t, v in heard.get(entity, [])] + [(t, None) for t in nlu.lookups.get(entity, [])]
        for text, value in candidates:
            canonical = value or word_to_canonical.get(text.lower()) or text
            canonical_clean = _clean_value(str(canonical), entity)
            if canonical_clean is None:
                continue
            synonyms = values.setdefault(canonical_clean, [])
            spoken = _clean_value(text, entity)
            if spoken and spoken.lower() != canonical_clean.lower() and spoken.lower() not in map(str.lower, synonyms):
                synonyms.append(spoken)
        for canonical in list(values):  # every synonym the NLU data knows for a canonical value
            for word in nlu.synonyms.get(canonical, []):
                spoken = _clean_value(word, entity)
                if spoken and spoken.lower() not in map(str.lower, values[canonical]):
                    values[canonical].append(spoken)
        if not values:
            continue
        types.append({
            "name": slot_type_name(entity),
            "values": [
                {"id": re.sub(r"[^A-Za-z0-9_]", "_", name), "name": {"value": name, "synonyms": sorted(set(syns))}}
                if syns else {"id": re.sub(r"[^A-Za-z0-9_]", "_", name), "name": {"value": name}}
                for name, syns in sorted(values.items(), key=lambda kv: kv[0].lower())
            ],
        })
    return types


def is_bare(utterance: str) -> bool:
    """Whether a sample's words outside its slots are all filler, so its slots would catch any speech."""
    words = _SLOT_REF.sub(" ", utterance).split()
    return bool(_SLOT_REF.search(utterance)) and all(word in FILLER_WORDS for word in words)


def carrier_slot(carrier: str) -> str:
    """The catch-all slot that a carrier phrase leads into: "there's" -> "theres", "i want to" -> "i_want_to"."""
    return re.sub(r"_+", "_", re.sub(r"[^a-z ]", "", carrier.lower()).strip().replace(" ", "_"))


def carrier_prefixes(model: dict[str, Any]) -> dict[str, str]:
    """Catch-all slot -> the words before it in its sample ("" for the bare one), read from a generated model.

    The skill uses this to send Rasa the whole phrase heard, carrier included.
    """
    intents = model["interactionModel"]["languageModel"]["intents"]
    catch_all = next((i for i in intents if i["name"] == CATCH_ALL_INTENT), {"samples": []})
    prefixes: dict[str, str] = {}
    for sample in catch_all["samples"]:
        match = re.fullmatch(r"(?P<prefix>.*?)\s*\{(?P<slot>[A-Za-z_]+)\}", sample)
        if match:
            prefixes.setdefault(match.group("slot"), match.group("prefix"))
    return prefixes


def free_speech_values(nlu: NluData, limit: int = MAX_FREE_SPEECH_VALUES) -> list[str]:
    """Varied things residents say, for the catch-all's slot type: every intent's examples, taken in turn.

    A custom slot type is not a closed list: its values teach Alexa what speech the slot takes, so the wider
    they are, the more of what residents say lands in the catch-all and reaches Rasa as words.
    """
    per_intent = [
        [clean_words(_ANNOTATION.sub(lambda m: m.group("text"), example)) for example in examples]
        for _, examples in sorted(nlu.examples.items())
    ]
    values: dict[str, None] = {}
    for round_ in range(max((len(e) for e in per_intent), default=0)):
        for examples in per_intent:
            if round_ < len(examples):
                value = examples[round_]
                if value and len(value) <= MAX_SLOT_VALUE_CHARS and re.fullmatch(r"[\w' .\-]+", value):
                    values.setdefault(value, None)
            if len(values) >= limit:
                return list(values)
    return list(values)


def catch_all(nlu: NluData) -> tuple[dict[str, Any], dict[str, Any]]:
    """The catch-all intent and its slot type: a bare wide slot, and one slot per carrier phrase.

    Whatever the model cannot place lands here and the skill sends its words to Rasa, whose NLU (and the
    urgent-phrase override) hears them, and whose active form takes a bare answer as the slot it asked for.
    """
    carriers = {carrier: carrier_slot(carrier) for carrier in CARRIERS}
    samples = [f"{{{FREE_SPEECH_SLOT}}}"] + [f"{carrier} {{{slot}}}" for carrier, slot in carriers.items()]
    slots = [FREE_SPEECH_SLOT, *dict.fromkeys(carriers.values())]
    intent = {
        "name": CATCH_ALL_INTENT,
        "slots": [{"name": slot, "type": FREE_SPEECH_TYPE} for slot in slots],
        "samples": samples,
    }
    values = free_speech_values(nlu)
    slot_type = {
        "name": FREE_SPEECH_TYPE,
        "values": [{"id": f"speech_{i}", "name": {"value": value}} for i, value in enumerate(values)],
    }
    return intent, slot_type


def invocation_name(profile: str = "fernbridge") -> str:
    """"<short name> council" from the council profile, lower case, as Alexa wants it."""
    council = yaml.safe_load((ROOT / "councils" / f"{profile}.yml").read_text())
    name = re.sub(r"[^a-z' ]", " ", str(council["short_name"]).lower())
    name = re.sub(r"\s+", " ", name).strip()
    return name if name.endswith(" council") else f"{name} council"


def generate(nlu: NluData | None = None, profile: str = "fernbridge") -> dict[str, Any]:
    """The whole interaction model as a JSON-ready dict, deterministic for a given nlu_data/."""
    nlu = nlu or read_nlu()
    intents: list[dict[str, Any]] = []
    seen_samples: set[str] = set()
    entities_used: set[str] = set()
    for intent in sorted(nlu.examples):
        if intent in EXCLUDED_INTENTS or intent in BUILT_IN_FOR:
            continue
        samples: list[str] = []
        slots: list[str] = []
        for example in nlu.examples[intent]:
            converted = to_utterance(example)
            if converted is None:
                continue
            utterance, example_slots = converted
            if is_bare(utterance) or (intent in SLOT_SAMPLES_ONLY and not example_slots):
                continue
            if utterance in seen_samples:  # Alexa rejects the same sample in two intents
                continue
            seen_samples.add(utterance)
            samples.append(utterance)
            slots.extend(s for s in example_slots if s not in slots)
            if len(samples) >= MAX_SAMPLES_PER_INTENT:
                break
        entities_used.update(slots)
        intents.append({
            "name": intent,
            "slots": [{"name": s, "type": slot_type_name(s)} for s in slots],
            "samples": samples,
        })
    catch_all_intent, free_speech_type = catch_all(nlu)
    intents.append(catch_all_intent)
    intents.append(dict(SELECT_OPTION))
    intents.extend({"name": name, "samples": []} for name in REQUIRED_BUILT_INS)
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": invocation_name(profile),
                "intents": intents,
                "types": [*slot_types(nlu, entities_used), free_speech_type],
            }
        }
    }


def check_limits(model: dict[str, Any]) -> list[str]:
    """Every way the model breaks Alexa's published limits; an empty list means it would build."""
    problems: list[str] = []
    language = model["interactionModel"]["languageModel"]
    invocation = language["invocationName"]
    words = invocation.split()
    if not (2 <= len(invocation) <= 50) or not re.match(r"^[a-z][a-z' .]*$", invocation):
        problems.append(f"invocation name {invocation!r}: 2 to 50 lower-case letters, spaces, apostrophes, periods")
    if len(words) < 2:
        problems.append(f"invocation name {invocation!r}: needs at least two words")
    if set(words) & (LAUNCH_WORDS | CONNECTING_WORDS | WAKE_WORDS):
        problems.append(f"invocation name {invocation!r}: contains a launch, connecting or wake word")
    type_names = {t["name"] for t in language.get("types", [])}
    for slot_type in language.get("types", []):
        if not _NAME.match(slot_type["name"]) or slot_type["name"].startswith("AMAZON"):
            problems.append(f"slot type {slot_type['name']!r}: letters and underscores only")
        if not slot_type["values"]:
            problems.append(f"slot type {slot_type['name']!r}: has no values")
        for value in slot_type["values"]:
            for text in [value["name"]["value"], *value["name"].get("synonyms", [])]:
                if len(text) > MAX_SLOT_VALUE_CHARS:
                    problems.append(f"slot value {text!r}: over {MAX_SLOT_VALUE_CHARS} characters")
    names: set[str] = set()
    all_samples: dict[str, str] = {}
    for intent in language["intents"]:
        name = intent["name"]
        if name in names:
            problems.append(f"intent {name}: defined twice")
        names.add(name)
        if not name.startswith("AMAZON.") and not _NAME.match(name):
            problems.append(f"intent {name}: letters and underscores only")
        if not name.startswith("AMAZON.") and not intent.get("samples"):
            problems.append(f"intent {name}: has no sample utterances")
        slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for slot, slot_type in slots.items():
            if not _NAME.match(slot):
                problems.append(f"intent {name} slot {slot!r}: letters and underscores only, starting with a letter")
            if not slot_type.startswith("AMAZON.") and slot_type not in type_names:
                problems.append(f"intent {name} slot {slot}: unknown slot type {slot_type}")
        for sample in intent.get("samples", []):
            if len(sample) > MAX_UTTERANCE_CHARS:
                problems.append(f"intent {name}: sample over {MAX_UTTERANCE_CHARS} characters: {sample!r}")
            if not _UTTERANCE.match(sample):
                problems.append(f"intent {name}: characters Alexa rejects (digits, symbols) in {sample!r}")
            refs = _SLOT_REF.findall(sample)
            if len(refs) != len(set(refs)):
                problems.append(f"intent {name}: a slot used twice in {sample!r}")
            for ref in refs:
                if ref not in slots:
                    problems.append(f"intent {name}: sample {sample!r} uses undefined slot {ref!r}")
                elif slots[ref] == "AMAZON.SearchQuery" and not _SLOT_REF.sub("", sample).strip():
                    problems.append(f"intent {name}: AMAZON.SearchQuery needs a carrier phrase in {sample!r}")
            if name != CATCH_ALL_INTENT and is_bare(sample):
                problems.append(f"intent {name}: bare-slot sample {sample!r} would take free speech from the catch-all")
            if sample in all_samples and all_samples[sample] != name:
                problems.append(f"sample {sample!r} is in both {all_samples[sample]} and {name}")
            all_samples.setdefault(sample, name)
        if len(intent.get("samples", [])) > MAX_SAMPLES_PER_INTENT:
            problems.append(f"intent {name}: over {MAX_SAMPLES_PER_INTENT} samples")
    for built_in in REQUIRED_BUILT_INS:
        if built_in not in names:
            problems.append(f"required built-in intent {built_in} is missing")
    return problems


def dumps(model: dict[str, Any]) -> str:
    """The file's exact text, so regeneration is byte-for-byte comparable."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the model, or with --check compare it with the committed file and the limits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale or invalid")
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    model = generate()
    problems = check_limits(model)
    for problem in problems:
        print(f"limit: {problem}", file=sys.stderr)
    text = dumps(model)
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run `python -m voice_skill.interaction_model`", file=sys.stderr)
            return 1
        return 1 if problems else 0
    if problems:
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    intents = model["interactionModel"]["languageModel"]["intents"]
    print(f"Wrote {args.output.relative_to(ROOT)}: {len(intents)} intents, "
          f"{sum(len(i.get('samples', [])) for i in intents)} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
