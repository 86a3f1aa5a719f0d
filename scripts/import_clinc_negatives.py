"""Import CLINC150 training sentences into the NLU data, and check the NLU data folder.

Writes two generated files (never edit them by hand, run this script again):

- ``nlu_data/out_of_scope.yml``: intent ``out_of_scope``, the ``oos_train`` sentences plus a few ``train``
  sentences of every CLINC intent that is plainly not a council matter (trained negatives, handled like
  ``nlu_fallback``).
- ``nlu_data/conversation_clinc.yml``: ``train`` sentences of CLINC's small-talk intents that map to the
  catalogue's conversation intents (greeting -> greet, ...), so the model learns wording nobody here wrote.

The rules of ``evaluation/data/clinc150/README.md`` hold: only the ``train`` and ``oos_train`` splits are read
for training, and a sentence that also occurs in ``val``, ``oos_val``, ``test`` or ``oos_test`` is dropped
(compared case-insensitively, ignoring punctuation and spacing), so no evaluation query is ever trained on.
A CLINC sentence that repeats a hand-written example of ``nlu_data/`` or an example of the held-out set
``nlu_heldout/`` is skipped too, so every example occurs once and nothing held out is trained on.
Selection is seeded, so the output is the same on every run.

``--check`` writes nothing; it checks the whole ``nlu_data/`` folder (duplicates, overlap with CLINC's
evaluation splits and with ``nlu_heldout/``, examples per intent, entity names and canonical values) and
exits 1 on a problem.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import textwrap
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from councils import current_profile
from evaluation import manifest
from evaluation.datasets import (
    CLINC_CONVERSATION_MAP,
    CLINC_DATA,
    CLINC_EXCLUDED_DOMAINS,
    clinc_domains,
    clinc_evaluation_keys,
    read_clinc,
)
from evaluation.metrics import CONTRACT_ENTITIES
from evaluation.text import annotations, plain_text
from evaluation.text import normalise_text as normalise

DEFAULT_CLINC = CLINC_DATA
DEFAULT_NLU_DIR = manifest.ROOT / manifest.NLU_DATA
DEFAULT_HELDOUT_DIR = manifest.ROOT / manifest.HELDOUT
OUT_OF_SCOPE_FILE = "out_of_scope.yml"
CONVERSATION_FILE = "conversation_clinc.yml"
GENERATED_FILES = {OUT_OF_SCOPE_FILE, CONVERSATION_FILE}

# CLINC domains left out entirely: paying bills, taxes and holidays are ambiguous for a council
# (the evaluation leaves them out of the out-of-scope figures for the same reason).
EXCLUDED_DOMAINS = CLINC_EXCLUDED_DOMAINS

# CLINC intents of the other domains that a resident might legitimately send a council assistant, or that
# the assistant answers itself: never trained as out_of_scope.
EXCLUDED_INTENTS = {
    # credit_cards: "my card", "a new card", "my application" could be a blue badge, bus pass or library card,
    # a planning or housing application, or a declined council tax payment.
    "replacement_card_duration", "expiration_date", "damaged_card", "report_lost_card", "new_card",
    "application_status", "card_declined",
    # home: reminders ("remind me to take the bins out"), calendars, ordering (bin bags, caddy liners) and
    # order tracking ("where is the new bin I ordered").
    "reminder", "reminder_update", "calendar", "calendar_update", "order", "order_status",
    # auto_and_commute: roadworks, directions and distances to council sites; "gas" means fuel in CLINC but
    # a gas leak here, an urgent route.
    "traffic", "directions", "distance", "gas", "gas_type",
    # travel
    "timezone",
    # utility: dates and times (bin days, opening hours), alarms, phone calls ("call the council").
    "alarm", "date", "time", "make_call",
    # small_talk: the bot's identity sits next to bot_challenge, five map to conversation intents, and the
    # chit-chat ones are left to the hand-written negatives: meaning_of_life teaches "life" as out of scope
    # ("i want to end my life" was classified out_of_scope when it was trained).
    "greeting", "goodbye", "thank_you", "are_you_a_bot", "what_can_i_ask_you", "who_made_you",
    "who_do_you_work_for", "what_is_your_name", "where_are_you_from", "how_old_are_you",
    "meaning_of_life", "tell_joke", "fun_fact", "do_you_have_pets", "what_are_your_hobbies",
    # meta: answers and commands inside a conversation (yes, no, cancel, repeat), the resident's name, and
    # voice settings the Alexa skill handles (speed, volume, accent, language, whisper).
    "yes", "no", "maybe", "repeat", "cancel", "user_name", "change_user_name", "change_ai_name",
    "whisper_mode", "change_speed", "change_volume", "change_accent", "change_language",
}

# oos_train sentences that are council questions after all.
EXCLUDED_OOS_TRAIN = {
    "when do classes start",  # school term dates
    "how do i change my billing address",  # council tax account, change_address
}

# A sentence with one of these words is never trained as out_of_scope, whatever its CLINC label: council
# services, and the words of the urgent routes (danger, self-harm, children, a bed tonight), so that no
# negative example pulls an urgent message towards the fallback.
COUNCIL_WORDS = re.compile(
    r"\b(bins?|trash|garbage|rubbish|recycl\w*|dump\w*|tip|council\w*|tax\w*|parking|parked|permits?|"
    r"fines?|fined|tickets?|librar\w*|schools?|classes|rent\w*|landlord|evict\w*|homeless\w*|neighbou?r\w*|"
    r"potholes?|street ?lights?|vot\w*|elect\w*|death|died|dead|funeral|repairs?|leak\w*|heating|boiler|"
    r"gas|fire|smoke|police|911|999|hurt|abuse\w*|noise|noisy|address|postcode|zip|hous\w*|home|"
    r"life|live|living|alive|kill\w*|die|dying|suicid\w*|harm|danger\w*|emergenc\w*|safe\w*|unsafe|knife|"
    r"gun|weapon|attack\w*|breath\w*|scared|afraid|child\w*|kids?|baby|babies|sleep\w*|tonight|bleed\w*)\b"
)

# CLINC small-talk intent -> catalogue intent, for conversation_clinc.yml: the same map the benchmark uses.
CONVERSATION_MAP = CLINC_CONVERSATION_MAP

# Intents of docs/CONTRACTS.md, in the order of the NLU files; each needs MIN_EXAMPLES examples.
CONTRACT_INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "help", "bot_challenge", "human_handover", "inform",
    "cancel", "change_address", "not_helpful",
    "bin_collection_day", "report_missed_bin", "bulky_waste_collection", "garden_waste_subscription",
    "recycling_centre_hours", "what_goes_in_bin",
    "report_problem", "report_status", "noise_complaint",
    "council_tax_pay", "council_tax_band", "council_tax_discount", "council_tax_moving",
    "parking_permit", "parking_fine", "planning_application", "library_opening_hours", "library_renew",
    "housing_repair", "housing_apply", "homeless_urgent", "safeguarding_concern", "immediate_danger",
    "suicide_self_harm", "domestic_abuse", "home_flooding",
    "register_to_vote", "register_death", "school_term_dates", "contact_council", "council_service", "out_of_scope",
]
MIN_EXAMPLES = 30

ENTITIES = CONTRACT_ENTITIES
CANONICAL_VALUES = {
    "bin_type": {"general", "recycling", "food", "garden", "glass"},
    "problem_type": {
        "pothole", "fly_tipping", "street_light", "graffiti", "dog_fouling", "abandoned_vehicle",
        "overgrown_vegetation",
    },
    # the council's own libraries and recycling centres, and the generic "recycling centre" (the tip)
    "place": {*current_profile().places, "recycling centre"},
    "permit_type": {"resident", "visitor", "business", "blue_badge"},
    "repair_type": {
        "leak", "damp_mould", "heating", "electrics", "broken_window", "door_lock", "blocked_drain",
    },
    "department": {
        "council_tax", "waste", "housing", "planning", "parking", "libraries", "streets", "social_care",
        "registrars", "elections", "schools", "general",
    },
}

def read_nlu_folder(nlu_dir: Path, skip: set[str] = frozenset()) -> dict:
    """Read every YAML file under nlu_dir (except the names in skip) into examples, synonyms and lookups."""
    examples: list[tuple[str, str, str]] = []  # (intent, annotated example, file)
    synonyms: dict[str, str] = {}
    synonym_clashes: list[str] = []
    lookups: dict[str, list[str]] = defaultdict(list)
    for path in sorted(nlu_dir.rglob("*.yml")):
        if path.name in skip and path.parent == nlu_dir:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            lines = [line[2:].strip() for line in (block.get("examples") or "").splitlines()
                     if line.startswith("- ")]
            relative = str(path.relative_to(nlu_dir))
            if "intent" in block:
                examples.extend((block["intent"], line, relative) for line in lines)
            elif "synonym" in block:
                for line in lines:
                    key = line.lower()
                    if key in synonyms and synonyms[key] != block["synonym"]:
                        synonym_clashes.append(f"{line!r} -> {synonyms[key]!r} and {block['synonym']!r}")
                    synonyms[key] = str(block["synonym"])
            elif "lookup" in block:
                lookups[block["lookup"]].extend(lines)
    return {
        "examples": examples, "synonyms": synonyms, "synonym_clashes": synonym_clashes, "lookups": lookups,
    }


def load_clinc(path: Path) -> tuple[dict, set[str]]:
    """Return the CLINC splits and the comparison keys of every evaluation sentence."""
    data = read_clinc(path)
    return data, clinc_evaluation_keys(data)


def heldout_keys(heldout_dir: Path) -> set[str]:
    """Return the comparison keys of the held-out NLU test set (empty when the folder does not exist)."""
    if not heldout_dir.is_dir():
        return set()
    return {normalise(plain_text(example)) for _, example, _ in read_nlu_folder(heldout_dir)["examples"]}


def usable(sentence: str, held_out: set[str], taken: set[str]) -> bool:
    """Whether a CLINC training sentence may be written: not evaluation data, not a repeat, no markup."""
    key = normalise(sentence)
    return bool(key) and key not in held_out and key not in taken and not re.search(r"[\[\]{}]", sentence)


def pick(sentences: list[str], count: int, seed: str) -> list[str]:
    """Choose count distinct sentences reproducibly (seeded per intent), kept in CLINC's order."""
    distinct: dict[str, str] = {}
    for sentence in sentences:
        distinct.setdefault(normalise(sentence), sentence)
    sentences = list(distinct.values())
    if len(sentences) <= count:
        return list(sentences)
    chosen = set(random.Random(seed).sample(range(len(sentences)), count))
    return [sentence for index, sentence in enumerate(sentences) if index in chosen]


def render(header: list[str], blocks: list[tuple[str, str, list[str]]]) -> str:
    """Render a Rasa 3 NLU file: header comments, then (comment, intent, examples) blocks."""
    out = [f"# {line}".rstrip() for line in header]
    out += ['version: "3.1"', "", "nlu:"]
    for comment, intent, sentences in blocks:
        out.append(f"# {comment}")
        out.append(f"- intent: {intent}")
        out.append("  examples: |")
        out.extend(f"    - {sentence}" for sentence in sentences)
        out.append("")
    return "\n".join(out)


def generate(args: argparse.Namespace) -> None:
    """Write out_of_scope.yml and conversation_clinc.yml."""
    data, held_out = load_clinc(args.clinc)
    domains = clinc_domains(args.clinc)
    hand_written = read_nlu_folder(args.nlu_dir, skip=GENERATED_FILES)
    taken = {normalise(plain_text(example)) for _, example, _ in hand_written["examples"]}
    taken |= heldout_keys(args.heldout_dir)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for sentence, intent in data["train"]:
        by_intent[intent].append(sentence)

    header_common = [
        "Generated by scripts/import_clinc_negatives.py from CLINC150 (clinc/oos-eval, CC BY 3.0).",
        "Do not edit: change the script and run it again.",
        "Only the train and oos_train splits are used; sentences that also occur in val, oos_val, test or",
        "oos_test (case, punctuation and spacing ignored) and repeats of hand-written examples are dropped.",
        f"Seed: {args.seed}.",
    ]

    # out_of_scope.yml
    blocks = []
    oos_kept, oos_dropped = [], Counter()
    for sentence, _ in data["oos_train"]:
        key = normalise(sentence)
        if key in EXCLUDED_OOS_TRAIN or COUNCIL_WORDS.search(sentence.lower()):
            oos_dropped["council or urgent word"] += 1
        elif not usable(sentence, held_out, taken):
            oos_dropped["evaluation or repeat"] += 1
        else:
            oos_kept.append(sentence)
            taken.add(key)
    blocks.append((f"CLINC150 oos_train: {len(oos_kept)} of {len(data['oos_train'])} "
                   f"(dropped: {dict(oos_dropped) or 'none'})", "out_of_scope", oos_kept))
    summary = {"oos_train": len(oos_kept)}
    for domain, intents in domains.items():
        if domain in EXCLUDED_DOMAINS:
            continue
        chosen_domain, used = [], []
        for intent in intents:
            if intent in EXCLUDED_INTENTS:
                continue
            candidates = [s for s in by_intent[intent]
                          if usable(s, held_out, taken) and not COUNCIL_WORDS.search(s.lower())]
            chosen = pick(candidates, args.per_intent, f"{args.seed}:{intent}")
            taken.update(normalise(s) for s in chosen)
            chosen_domain.extend(chosen)
            used.append(intent)
        if chosen_domain:
            comment = f"CLINC150 train, domain {domain}: {', '.join(used)}"
            blocks.append((comment, "out_of_scope", chosen_domain))
            summary[domain] = len(chosen_domain)
    left_out = sorted(EXCLUDED_INTENTS)
    header = header_common + [
        "Intent out_of_scope: every oos_train sentence without a council word, plus "
        f"{args.per_intent} train sentences",
        "of each CLINC intent outside the banking and work domains that is plainly not a council matter.",
        *textwrap.wrap("Left out as council-ish or handled by the assistant: " + ", ".join(left_out) + ".",
                       width=105, subsequent_indent="  "),
    ]
    (args.nlu_dir / OUT_OF_SCOPE_FILE).write_text(render(header, blocks), encoding="utf-8")

    # conversation_clinc.yml
    blocks = []
    for clinc_intent, intent in CONVERSATION_MAP.items():
        candidates = [s for s in by_intent[clinc_intent] if usable(s, held_out, taken)]
        chosen = pick(candidates, args.per_conversation_intent, f"{args.seed}:{clinc_intent}")
        taken.update(normalise(s) for s in chosen)
        blocks.append((f"CLINC150 train, {clinc_intent}: {len(chosen)} sentences", intent, chosen))
        summary[intent] = len(chosen)
    header = header_common + textwrap.wrap(
        "CLINC small-talk intents mapped to the catalogue: "
        + ", ".join(f"{c} -> {i}" for c, i in CONVERSATION_MAP.items()) + ".",
        width=105, subsequent_indent="  ")
    (args.nlu_dir / CONVERSATION_FILE).write_text(render(header, blocks), encoding="utf-8")
    total = sum(v for k, v in summary.items() if k not in CONVERSATION_MAP.values())
    print(f"out_of_scope.yml: {total} examples {summary}")


def check(args: argparse.Namespace) -> int:
    """Check the whole NLU folder; print problems and the examples per intent; return an exit code."""
    _, held_out = load_clinc(args.clinc)
    folder = read_nlu_folder(args.nlu_dir)
    held_out_examples = heldout_keys(args.heldout_dir)
    problems = list(f"synonym maps to two values: {c}" for c in folder["synonym_clashes"])
    synonyms = folder["synonyms"]
    seen: dict[str, tuple[str, str]] = {}
    counts: Counter = Counter()
    entity_values: dict[str, Counter] = defaultdict(Counter)
    for intent, example, file in folder["examples"]:
        counts[intent] += 1
        text = plain_text(example)
        key = normalise(text)
        if re.search(r"[\[\]{}]", text):
            problems.append(f"{file}: broken entity markup: {example!r}")
        if key in seen:
            problems.append(f"{file}: duplicate of {seen[key][1]} ({seen[key][0]}): {example!r} [{intent}]")
        else:
            seen[key] = (intent, file)
        if key in held_out:
            problems.append(f"{file}: equals a CLINC evaluation sentence: {example!r}")
        if key in held_out_examples:
            problems.append(f"{file}: equals an example of {args.heldout_dir.name}/: {example!r}")
        for entity_text, entity, value in annotations(example):
            if entity not in ENTITIES:
                problems.append(f"{file}: unknown entity {entity!r}: {example!r}")
                continue
            resolved = value if value is not None else synonyms.get(entity_text.lower(), entity_text)
            if entity in CANONICAL_VALUES and resolved not in CANONICAL_VALUES[entity]:
                problems.append(f"{file}: {entity} {entity_text!r} resolves to {resolved!r}, not canonical")
            entity_values[entity][resolved if entity in CANONICAL_VALUES else entity_text] += 1
    for entity in CANONICAL_VALUES:
        for word, value in synonyms.items():
            if value in CANONICAL_VALUES[entity] and word in {v.lower() for e in CANONICAL_VALUES
                                                              for v in CANONICAL_VALUES[e] if e != entity}:
                problems.append(f"synonym {word!r} -> {value!r} shadows a canonical value of another entity")
    for name, entries in folder["lookups"].items():
        duplicates = [e for e, n in Counter(e.lower() for e in entries).items() if n > 1]
        if duplicates:
            problems.append(f"lookup {name}: duplicates {duplicates}")
    for intent in CONTRACT_INTENTS:
        if counts[intent] < MIN_EXAMPLES:
            problems.append(f"intent {intent}: {counts[intent]} examples, fewer than {MIN_EXAMPLES}")
    for intent in sorted(set(counts) - set(CONTRACT_INTENTS)):
        problems.append(f"intent {intent} is not in docs/CONTRACTS.md")
    print("examples per intent:")
    for intent in CONTRACT_INTENTS + sorted(set(counts) - set(CONTRACT_INTENTS)):
        print(f"  {intent:28} {counts[intent]}")
    print(f"  {'total':28} {sum(counts.values())}")
    print("entity annotations (canonical value or text: count):")
    for entity in sorted(entity_values):
        values = entity_values[entity]
        shown = ", ".join(f"{v}: {n}" for v, n in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
        print(f"  {entity} ({sum(values.values())}, {len(values)} distinct): {shown}")
    print("lookups: " + ", ".join(f"{k} ({len(v)})" for k, v in sorted(folder["lookups"].items())))
    for problem in problems:
        print("PROBLEM", problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, then generate the CLINC files or check the folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinc", type=Path, default=DEFAULT_CLINC,
                        help="CLINC150 data_full.json(.gz) (default: vendored)")
    parser.add_argument("--nlu-dir", type=Path, default=DEFAULT_NLU_DIR, help="NLU data folder")
    parser.add_argument("--heldout-dir", type=Path, default=DEFAULT_HELDOUT_DIR,
                        help="held-out NLU test set, never trained on")
    parser.add_argument("--seed", default="20261127", help="selection seed")
    parser.add_argument("--per-intent", type=int, default=3, help="train sentences per out-of-scope intent")
    parser.add_argument("--per-conversation-intent", type=int, default=25,
                        help="train sentences per conversation intent")
    parser.add_argument("--check", action="store_true", help="check nlu_data instead of generating")
    args = parser.parse_args(argv)
    if args.check:
        return check(args)
    generate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
