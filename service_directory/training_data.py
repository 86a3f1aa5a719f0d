"""NLU examples of the `council_service` intent, generated from the A to Z so that it is their one source.

Residents name services the catalogue has no task for ("blue badge", "food bank", "marriage"); the
classifier must learn that such words ask for the A to Z, rather than `inform` or the nearest task.
Each service gives its title, a few of its terms and one short question. Left out: services the
assistant performs itself (`task:`), services next to an urgent route (their words must reach the
urgent intents), services that lie in a catalogue task's scope and phrases another intent already owns
(both judged with the A to Z's own ranking against the other intents' examples in nlu_data/), and any
example that the held-out set holds or that the urgent-phrase override would send to an urgent route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES_FILE = ROOT / "council_backend" / "seed" / "services.yml"
NLU_DIR = ROOT / "nlu_data"
HELDOUT_DIR = ROOT / "nlu_heldout"
GENERATED_FILE = "council_service.yml"
INTENT = "council_service"
SERVICE_ENTITY = "service"
# Terms per service, spread over its list: the first are the service's own names, later ones residents' words.
TERMS_PER_SERVICE = 3
# Services whose words belong to an urgent route (bot/domain/urgent.yml): the directory still answers them
# when the classifier sends a message its way, but they never teach the classifier that they are routine.
NEAR_URGENT = frozenset(
    {"domestic-abuse", "homelessness", "mental-health-support", "flooding", "dangerous-structures",
     "emergency-planning", "childrens-social-care", "prevent-and-extremism", "hate-crime"}
)
# Intents about the conversation rather than a council service: sharing words with them ("send", "sure")
# drops a phrase, never a whole service.
CONVERSATION_INTENTS = frozenset(
    {"greet", "goodbye", "thank", "affirm", "deny", "help", "bot_challenge", "inform", "cancel", "change_address",
     "not_helpful", "human_handover", "out_of_scope"}
)
PHRASE_OWNED = 0.9
SERVICE_OWNED = 0.75
# Short questions in residents' words; one per service, taken in turn so the forms spread evenly.
QUESTIONS = (
    "tell me about {}", "i need help with {}", "{} information", "what about {}", "where do i find out about {}",
)
HEADER = """\
# GENERATED from council_backend/seed/services.yml by scripts/generate_council_service_nlu.py: do not edit.
# Change a service's title or terms in services.yml (or in the console's inbox) and run the script again;
# the test suite fails while this file is out of date. See service_directory/training_data.py for what is
# left out and why.
"""
_EXAMPLE_LINE = re.compile(r"^\s+- (.*)$")
_INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|\{[^}]*\})")


def normalise(text: str) -> str:
    """Lower case, entity annotations and punctuation dropped: two examples equal under this collide."""
    plain = _ANNOTATION.sub(lambda m: m.group(1), text)
    return " ".join(re.sub(r"[^\w\s]", " ", plain.lower()).split())


def _examples_by_intent(paths: Iterable[Path]) -> dict[str | None, list[str]]:
    """Normalised list items of the files under their intent (None: lines before any intent, e.g. synonyms)."""
    found: dict[str | None, list[str]] = {}
    for path in paths:
        intent = None
        for line in path.read_text(encoding="utf-8").splitlines():
            heading = _INTENT_LINE.match(line)
            if heading:
                intent = heading.group(1)
                continue
            match = _EXAMPLE_LINE.match(line)
            if match:
                found.setdefault(intent, []).append(normalise(match.group(1)))
    return found


def owned_by_intents(services: list[dict], by_intent: dict[str, list[str]]) -> tuple[set[str], set[str]]:
    """(service ids, phrases) whose words other intents already own, judged by the A to Z's own ranking.

    A phrase scoring `PHRASE_OWNED` or more against an intent's examples is that intent's; a service with a
    phrase scoring `SERVICE_OWNED` against a catalogue task's examples lies in that task's scope ("postal
    vote" is register_to_vote's), so none of its words may teach the classifier otherwise.
    """
    from service_directory.ranking import DirectoryRanker

    intents = sorted(name for name in by_intent if name is not None and name != INTENT)
    ranker = DirectoryRanker([{"id": name, "title": "", "terms": by_intent[name]} for name in intents])
    services_owned: set[str] = set()
    phrases_owned: set[str] = set()
    for service in services:
        for phrase in [service["title"], *service["terms"]]:
            best = ranker.rank(phrase, 1)
            if not best:
                continue
            if best[0].score >= PHRASE_OWNED:
                phrases_owned.add(normalise(phrase))
            if best[0].score >= SERVICE_OWNED and best[0].service_id not in CONVERSATION_INTENTS:
                services_owned.add(service["id"])
    return services_owned, phrases_owned


def _examples(paths: Iterable[Path], but_intent: str | None = None) -> set[str]:
    """Normalised examples of the files, leaving out those of `but_intent` (staff corrections to it stay apart)."""
    return {example for intent, examples in _examples_by_intent(paths).items()
            if but_intent is None or intent != but_intent for example in examples}


def _urgent_matcher():
    from nlu_components.urgent import load_phrases, match_urgent

    phrases = load_phrases()
    return lambda text: match_urgent(text, phrases) is not None


def _entity_words(paths: Iterable[Path]) -> set[str]:
    """Words that already stand for an entity value (synonyms, annotated spans): a service span must not remap them."""
    found: set[str] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        found |= {normalise(match.group(1)) for match in _ANNOTATION.finditer(text)}
        if path.name == "synonyms.yml":
            found |= _examples([path])
    return found


def examples(services: list[dict], taken: set[str], is_urgent, entity_words: frozenset[str] = frozenset()) -> list[str]:
    """The generated examples, in the services' order, each once."""
    chosen: list[str] = []
    seen: set[str] = set()
    question = 0

    def add(text: str) -> bool:
        key = normalise(text)
        if not key or key in seen or key in taken or is_urgent(key):
            return False
        seen.add(key)
        chosen.append(" ".join(text.split()) if "{" in text else " ".join(text.lower().split()))
        return True

    for service in services:
        if service.get("task") or service["id"] in NEAR_URGENT:
            continue
        add(service["title"])
        usable: list[str] = []
        for term in _spread(service["terms"], TERMS_PER_SERVICE):
            if len(usable) == TERMS_PER_SERVICE:
                break
            if add(term):
                usable.append(term)
        spans = [term for term in usable if normalise(term) not in entity_words]
        if spans and add(QUESTIONS[question % len(QUESTIONS)].format(_marked(spans[0], service["id"]))):
            question += 1
    return chosen


def _spread(terms: list[str], count: int) -> list[str]:
    """The terms at evenly spaced places first (the first and the last among them), then the rest in order."""
    if len(terms) <= count:
        return list(terms)
    picks = sorted({round(i * (len(terms) - 1) / (count - 1)) for i in range(count)}) if count > 1 else [0]
    return [terms[i] for i in picks] + [term for i, term in enumerate(terms) if i not in picks]


def _marked(term: str, service_id: str) -> str:
    """A term marked as the `service` entity, valued with the service's id.

    The classifier learns the span, and the Alexa interaction model turns the question into a `{service}` slot
    that carries the words (Alexa gives a skill no transcript).
    """
    return f'[{term.lower()}]{{"entity": "{SERVICE_ENTITY}", "value": "{service_id}"}}'


def render(services: list[dict] | None = None, nlu_dir: Path = NLU_DIR, heldout_dir: Path = HELDOUT_DIR) -> str:
    """The whole text of `nlu_data/council_service.yml` for the directory as it is in `services.yml`."""
    if services is None:
        services = yaml.safe_load(SERVICES_FILE.read_text(encoding="utf-8"))["services"]
    others = [path for path in sorted(nlu_dir.glob("*.yml")) if path.name not in (GENERATED_FILE, "synonyms.yml")]
    taken = _examples(others, but_intent=INTENT) | _examples(sorted(heldout_dir.glob("*.yml")))
    entity_words = frozenset(_entity_words([*others, nlu_dir / "synonyms.yml"]))
    services_owned, phrases_owned = owned_by_intents(services, _examples_by_intent(others))
    services = [service for service in services if service["id"] not in services_owned]
    taken |= phrases_owned
    lines = [HEADER, 'version: "3.1"', "", "nlu:", f"- intent: {INTENT}", "  examples: |"]
    lines += [f"    - {example}" for example in examples(services, taken, _urgent_matcher(), entity_words)]
    return "\n".join(lines) + "\n"
