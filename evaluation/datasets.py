"""The labelled sets models are measured on: Rasa NLU files (the held-out set) and the vendored CLINC150.

CLINC150 lives in ``evaluation/data/clinc150/`` (CC BY 3.0, README there): only ``train``/``oos_train`` may be
trained on, ``val``/``oos_val`` tuned on, ``test``/``oos_test`` only evaluated on.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

from evaluation.metrics import Example, entity_pairs, normalise_intent
from evaluation.text import normalise_text

CLINC_DIR = Path(__file__).resolve().parent / "data" / "clinc150"
CLINC_DATA = CLINC_DIR / "data_full.json.gz"

TRAINING_SPLITS = ("train", "oos_train")
EVALUATION_SPLITS = ("val", "oos_val", "test", "oos_test")

# CLINC conversation intents that map to the catalogue: the benchmark scores them, the import trains on them.
CLINC_CONVERSATION_MAP: dict[str, str] = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank",
    "yes": "affirm",
    "no": "deny",
    "are_you_a_bot": "bot_challenge",
    "what_can_i_ask_you": "help",
}
# Domains that are ambiguous for a council (paying a bill, taxes, public holidays): never evaluated or trained.
CLINC_EXCLUDED_DOMAINS = frozenset({"banking", "work"})
# Intents that are neither mapped nor out of scope: CLINC's meta `cancel` ("cancel that", "stop") is
# the catalogue's `cancel` intent, so it is left out rather than counted as out of scope.
CLINC_EXCLUDED_INTENTS = frozenset({"cancel"})


def load_examples(path: str | Path) -> list[Example]:
    """Read Rasa YAML (or JSON/Markdown) NLU data from a file or folder into labelled examples.

    Gold entity values are the annotated values (canonical values where the annotation gives one).
    """
    from rasa.shared.nlu.training_data.loading import load_data

    training_data = load_data(str(path))
    return [
        Example(
            text=message.get("text"),
            intent=normalise_intent(message.get("intent")),
            entities=entity_pairs(message.get("entities"), keep=None),
        )
        for message in training_data.intent_examples
    ]


def load_urgent_set(path: str | Path) -> list[Example]:
    """The urgent messages of an urgent set (``bench/data/urgent_dev.yml``: ``urgent: {route: [text, ...]}``).

    Raises:
        ValueError: a route that is not one of ``actions.urgent_routes.URGENT_INTENTS``, or no messages.

    """
    import yaml

    from actions.urgent_routes import URGENT_INTENTS

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    urgent = data.get("urgent") or {}
    unknown = set(urgent) - set(URGENT_INTENTS)
    if unknown:
        raise ValueError(f"{path}: not urgent intents: {sorted(unknown)}")
    examples = [Example(text=text, intent=route) for route, texts in urgent.items() for text in texts or []]
    if not examples:
        raise ValueError(f"{path}: no urgent messages under 'urgent'")
    return examples


def read_clinc(path: str | Path = CLINC_DATA) -> dict[str, list[list[str]]]:
    """Every split of CLINC150's ``data_full.json`` (``.json`` or ``.json.gz``): ``[[text, intent], ...]``."""
    path = Path(path)
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return json.loads(raw.decode("utf-8"))


def clinc_domains(path: str | Path = CLINC_DATA) -> dict[str, list[str]]:
    """CLINC150's domains and their intents (``domains.json`` beside the data file)."""
    return json.loads((Path(path).parent / "domains.json").read_text(encoding="utf-8"))


def clinc_evaluation_keys(data: dict[str, Any]) -> set[str]:
    """The ``normalise_text`` keys of every sentence that may never be trained on (val and test splits)."""
    return {normalise_text(text) for split in EVALUATION_SPLITS for text, _ in data[split]}


def load_clinc(
    path: str | Path = CLINC_DATA, limit: int = 0, seed: int = 0, splits: tuple[str, str] = ("test", "oos_test")
) -> tuple[list[str], list[Example]]:
    """Return CLINC150 evaluation queries: (out-of-scope texts, conversation examples mapped to the catalogue).

    Out of scope: all of ``oos_test`` plus the ``test`` queries of every domain except banking and work,
    minus the mapped conversation intents and ``cancel``. Only ``test``/``oos_test`` are read, unless
    ``splits`` names the validation pair (``("val", "oos_val")``) for tuning. ``limit`` > 0 keeps a
    deterministic sample of at most that many queries of each list (for quick runs).
    """
    data = read_clinc(path)
    domain_of = {intent: domain for domain, intents in clinc_domains(path).items() for intent in intents}
    in_scope_split, oos_split = splits
    oos = [text for text, _ in data[oos_split]]
    mapped = []
    for text, intent in data[in_scope_split]:
        if intent in CLINC_CONVERSATION_MAP:
            mapped.append(Example(text=text, intent=CLINC_CONVERSATION_MAP[intent]))
        elif intent in CLINC_EXCLUDED_INTENTS or domain_of.get(intent) in CLINC_EXCLUDED_DOMAINS:
            continue
        else:
            oos.append(text)
    if limit > 0:
        rng = random.Random(seed)
        if len(oos) > limit:
            oos = rng.sample(oos, limit)
        if len(mapped) > limit:
            mapped = rng.sample(mapped, limit)
    return oos, mapped
