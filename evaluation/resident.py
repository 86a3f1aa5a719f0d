"""Judge the assistant's first reply to a resident's first message, for the resident-style evaluation set.

The evaluation set (``bench/resident_eval_set/``, one file per category) says, for each first message, what
would help: a task (a catalogue intent the bot starts), a service of the council's A to Z (answered by
``action_service_directory``), an urgent route, or the fallback. This module reads the set, reads what Rasa did
from the conversation's tracker, and gives a verdict; ``bench/resident_eval.py`` is the command line that sends
the messages through a running stack. Kept apart from the command line so tests can check the judge on
hand-built trackers.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from evaluation import manifest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = REPO_ROOT / "bench" / "resident_eval_set"
DOMAIN_DIR = REPO_ROOT / "bot" / "domain"
DIALOGUE_DIRS = (REPO_ROOT / "bot" / "rules", REPO_ROOT / "bot" / "stories")
SERVICES_FILE = REPO_ROOT / "council_backend" / "seed" / "services.yml"
# Where each channel takes a resident's words in Rasa.
WEBHOOKS = {"chat": "/webhooks/rest/webhook", "voice": "/webhooks/voice/webhook"}

# The kinds of first message the set holds; a report prints them in this order.
CATEGORIES = (
    "keywords",       # 1-3 words, as typed into a search box
    "fragments",      # a few words with a detail or an entity ("bin not emptied fb3 7qe")
    "misspellings",   # typos and phonetic spellings
    "sentences",      # ordinary full questions
    "spoken",         # as a smart speaker hears it: numbers and postcodes in words, no punctuation
    "rambling",       # long messages that bury the request in a story
    "long_tail",      # council services outside the task catalogue (the A to Z answers them)
    "urgent",         # the six urgent routes, direct, indirect and terse
    "near_miss",      # share words with urgent messages but are not urgent
    "nonsense",       # keyboard mash, markup, emoji, numbers
    "out_of_scope",   # things no council does
)

# The urgent routes of INTENTS.md, each answered by action_urgent_route with its own utter_<intent>.
URGENT_ROUTES = (
    "immediate_danger", "homeless_urgent", "safeguarding_concern", "domestic_abuse", "suicide_self_harm",
    "home_flooding",
)
URGENT_ACTION = "action_urgent_route"

# The A to Z (docs/CONTRACTS.md, shared contracts): the action, the slot it sets, the intent of its buttons.
DIRECTORY_ACTION = "action_service_directory"
DIRECTORY_SLOT = "directory_service"
DIRECTORY_INTENT = "council_service"

# What the bot does when it cannot help: none of these starts a task.
FALLBACK_ACTIONS = frozenset({
    "action_out_of_scope", "action_default_fallback", "action_two_stage_fallback", "action_default_ask_rephrase",
})
FALLBACK_RESPONSES = frozenset({
    "utter_out_of_scope", "utter_default", "utter_ask_rephrase", "utter_inform_without_question",
})

# Intents that are conversation, not a task: recognising one of them starts nothing (INTENTS.md "Conversation",
# plus the contract's inform, cancel, change_address, not_helpful and the two fallback intents).
NON_TASK_INTENTS = frozenset({
    "greet", "goodbye", "thank", "affirm", "deny", "help", "bot_challenge", "inform", "cancel",
    "change_address", "not_helpful", "out_of_scope", "nlu_fallback",
})

PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?\s*$", re.DOTALL)


# --------------------------------------------------------------------------- the evaluation set


@dataclass(frozen=True)
class Expectation:
    """What would help: any acceptable task or service, an urgent route, or the fallback."""

    tasks: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    urgent: tuple[str, ...] = ()  # the first is the route the item counts towards
    fallback: bool = False

    @property
    def route(self) -> str | None:
        """The urgent route this item measures, if it is urgent."""
        return self.urgent[0] if self.urgent else None


@dataclass(frozen=True)
class Item:
    """One resident's first message of the evaluation set."""

    text: str
    category: str
    expect: Expectation
    source: str = ""


def _names(value: Any) -> list[str]:
    """A YAML value that is one name or a list of names, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"expected a name or a list of names, got {value!r}")


def parse_expectation(raw: Any) -> Expectation:
    """Read an item's ``expect``: ``fallback``, or a mapping of ``task``, ``service`` and/or ``urgent``."""
    if raw == "fallback":
        return Expectation(fallback=True)
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"expect must be 'fallback' or a mapping of task/service/urgent, got {raw!r}")
    unknown = set(raw) - {"task", "service", "urgent"}
    if unknown:
        raise ValueError(f"unknown expect keys {sorted(unknown)}")
    urgent = tuple(_names(raw.get("urgent")))
    tasks, services = frozenset(_names(raw.get("task"))), frozenset(_names(raw.get("service")))
    if urgent and (tasks or services):
        raise ValueError("an urgent item expects its urgent route only")
    if not (urgent or tasks or services):
        raise ValueError(f"expect names nothing: {raw!r}")
    return Expectation(tasks=tasks, services=services, urgent=urgent)


def load_items(path: str | Path = DEFAULT_SET) -> list[Item]:
    """Read the evaluation set: one YAML file, or every ``*.yml`` of a folder, each a list under ``items``."""
    path = Path(path)
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    items: list[Item] = []
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for number, raw in enumerate(data.get("items") or [], start=1):
            where = f"{file.name} item {number}"
            if not isinstance(raw, Mapping) or not isinstance(raw.get("text"), str):
                raise ValueError(f"{where}: needs a text")
            try:
                expect = parse_expectation(raw.get("expect"))
            except ValueError as error:
                raise ValueError(f"{where} ({raw['text']!r}): {error}") from None
            items.append(Item(raw["text"], str(raw.get("category", "")), expect, where))
    return items


def domain_intents(domain_dir: Path = DOMAIN_DIR) -> set[str]:
    """Every intent the domain declares (Rasa merges the folder's files)."""
    return manifest.declared("intents", domain_dir)


def service_ids(services_file: Path = SERVICES_FILE) -> set[str] | None:
    """The A to Z's stable service ids, or None while the directory's data does not exist."""
    if not Path(services_file).is_file():
        return None
    data = yaml.safe_load(Path(services_file).read_text(encoding="utf-8"))
    entries = data.get("services", data) if isinstance(data, Mapping) else data
    return {str(entry["id"]) for entry in entries or []}


def problems(items: Sequence[Item], intents: set[str], services: set[str] | None) -> list[str]:
    """What is wrong with the set: unknown categories, intents, routes or service ids, and repeated texts.

    With ``services`` None (no A to Z yet) every ``service:`` id is reported, so the set cannot silently
    name services that do not exist.
    """
    found: list[str] = []
    seen: dict[str, str] = {}
    for item in items:
        label = f"{item.source} {item.text!r}"
        if item.category not in CATEGORIES:
            found.append(f"{label}: unknown category {item.category!r}")
        if not item.text.strip():
            found.append(f"{label}: empty text")
        for intent in sorted(item.expect.tasks - intents):
            found.append(f"{label}: intent {intent!r} is not in the domain")
        for intent in sorted(item.expect.tasks & set(URGENT_ROUTES)):
            found.append(f"{label}: urgent intent {intent!r} belongs under urgent:, not task:")
        for route in item.expect.urgent:
            if route not in URGENT_ROUTES:
                found.append(f"{label}: {route!r} is not an urgent route")
        if item.expect.services:
            unknown = item.expect.services if services is None else item.expect.services - services
            for service in sorted(unknown):
                found.append(f"{label}: service id {service!r} is not in {SERVICES_FILE.name}")
        if (item.category == "urgent") != bool(item.expect.urgent):
            found.append(f"{label}: only the urgent category expects an urgent route")
        key = " ".join(item.text.lower().split())
        if key in seen:
            found.append(f"{label}: repeats {seen[key]}")
        seen.setdefault(key, item.source)
    return found


# --------------------------------------------------------------------------- what the bot did


def task_starters(dialogue_dirs: Iterable[Path] = DIALOGUE_DIRS) -> dict[str, frozenset[str]]:
    """Action or form -> the intents whose rules and stories run it straight after the intent.

    An action that only one intent starts (a form, ``action_library_hours``) tells which task began even when
    the recognised intent was something else (a keyword read as ``inform`` that opened the pothole form).
    """
    starters: dict[str, set[str]] = defaultdict(set)
    for folder in dialogue_dirs:
        for file in sorted(Path(folder).rglob("*.yml")):
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            for flow in (data.get("rules") or []) + (data.get("stories") or []):
                steps = flow.get("steps") or []
                for before, after in zip(steps, steps[1:], strict=False):
                    if isinstance(before, Mapping) and isinstance(after, Mapping) and "intent" in before \
                            and "action" in after:
                        starters[after["action"]].add(before["intent"])
    return {action: frozenset(intents) for action, intents in starters.items()}


@dataclass(frozen=True)
class Button:
    """A button of the reply and where its payload leads."""

    title: str
    payload: str
    intent: str | None
    entities: Mapping[str, Any]

    @property
    def service(self) -> str | None:
        """The A to Z service a ``/council_service{...}`` button answers."""
        if self.intent != DIRECTORY_INTENT:
            return None
        value = self.entities.get("service", self.entities.get(DIRECTORY_SLOT))
        return str(value) if value else None


def parse_button(button: Mapping[str, Any]) -> Button:
    """Read a button's payload: ``/intent`` or ``/intent{"entity": "value"}``; free text leads nowhere."""
    payload = str(button.get("payload") or "")
    match = PAYLOAD.match(payload.strip())
    entities: dict[str, Any] = {}
    if match and match.group("entities"):
        try:
            decoded = json.loads(match.group("entities"))
            entities = decoded if isinstance(decoded, dict) else {}
        except json.JSONDecodeError:
            entities = {}
    return Button(str(button.get("title") or ""), payload, match.group("intent") if match else None, entities)


@dataclass
class FirstReply:
    """Everything Rasa did between the resident's first message and its next ``action_listen``."""

    text: str = ""
    intent: str | None = None
    confidence: float | None = None
    actions: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)  # utter_... names of the bot messages, where known
    texts: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    loops: list[str] = field(default_factory=list)  # forms the turn activated

    @property
    def replied(self) -> bool:
        """Whether the resident got any message back."""
        return any(t.strip() for t in self.texts) or bool(self.buttons)


def first_reply(tracker: Mapping[str, Any]) -> FirstReply:
    """Read the first turn of a conversation from its tracker (``GET /conversations/<id>/tracker``)."""
    reply = FirstReply()
    started = rewound = False
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind == "rewind" and started:
            rewound = True  # the A to Z rewrote this turn as its task: the turn goes on under the task's intent
            continue
        if rewound and kind in ("action", "user"):
            if kind == "user":
                rewound = False
                intent = (event.get("parse_data") or {}).get("intent") or {}
                reply.intent, reply.confidence = intent.get("name"), intent.get("confidence")
            continue
        if not started:
            if kind == "user":
                started = True
                reply.text = event.get("text") or ""
                intent = (event.get("parse_data") or {}).get("intent") or {}
                reply.intent, reply.confidence = intent.get("name"), intent.get("confidence")
            continue
        if kind == "action":
            if event.get("name") == "action_listen":
                break
            reply.actions.append(event.get("name") or "")
        elif kind == "bot":
            response = (event.get("metadata") or {}).get("utter_action")
            if response:
                reply.responses.append(response)
            reply.texts.append(event.get("text") or "")
            data = event.get("data") or {}
            reply.buttons.extend(parse_button(b) for b in data.get("buttons") or [] if isinstance(b, Mapping))
            reply.buttons.extend(
                parse_button(b) for b in data.get("quick_replies") or [] if isinstance(b, Mapping)
            )
        elif kind == "slot":
            reply.slots[event.get("name")] = event.get("value")
        elif kind == "active_loop" and event.get("name"):
            reply.loops.append(event["name"])
        elif kind == "user":
            break  # a tracker with no action_listen recorded after the turn
    return reply


@dataclass(frozen=True)
class Outcome:
    """What the first reply did, whatever was expected."""

    kind: str  # no_reply, urgent, directory, task, clarify, fallback, other
    urgent_route: str | None = None
    service: str | None = None
    tasks: frozenset[str] = frozenset()
    button_tasks: frozenset[str] = frozenset()
    button_services: frozenset[str] = frozenset()
    fallback: bool = False

    def describe(self) -> str:
        """One line for the failure list."""
        if self.kind == "urgent":
            return f"urgent route {self.urgent_route}"
        if self.kind == "directory":
            return f"A to Z answered {self.service}"
        if self.kind == "task":
            return f"started {', '.join(sorted(self.tasks))}"
        if self.kind == "clarify":
            offered = sorted(self.button_tasks | {f"service:{s}" for s in self.button_services})
            return f"buttons for {', '.join(offered)}"
        return self.kind


def outcome_of(reply: FirstReply, starters: Mapping[str, frozenset[str]]) -> Outcome:
    """Classify the first reply: urgent route, A to Z answer, task started, clarifying buttons or fallback."""
    ran = set(reply.actions) | set(reply.loops)
    urgent_route = None
    if URGENT_ACTION in ran:
        routes = [r[len("utter_"):] for r in reply.responses if r[len("utter_"):] in URGENT_ROUTES]
        urgent_route = routes[0] if routes else (reply.intent if reply.intent in URGENT_ROUTES else "unknown")
    service = reply.slots.get(DIRECTORY_SLOT) if DIRECTORY_ACTION in ran else None
    service = str(service) if service else None
    fallback = bool(ran & FALLBACK_ACTIONS or set(reply.responses) & FALLBACK_RESPONSES
                    or (DIRECTORY_ACTION in ran and service is None))
    tasks: set[str] = set()
    for action in ran:
        # a rule that opens the same form for a bare entity (inform) does not make the form any less that task's
        intents = starters.get(action, frozenset()) - NON_TASK_INTENTS - {DIRECTORY_INTENT}
        if len(intents) == 1:
            tasks |= intents
    intent = reply.intent
    if intent and intent not in NON_TASK_INTENTS and intent not in URGENT_ROUTES and intent != DIRECTORY_INTENT:
        known_starter = any(intent in intents for intents in starters.values())
        if any(intent in starters.get(action, frozenset()) for action in ran) or (
                not known_starter and reply.replied and not fallback and urgent_route is None and service is None):
            tasks.add(intent)
    tasks -= set(URGENT_ROUTES) | NON_TASK_INTENTS
    button_tasks = frozenset(b.intent for b in reply.buttons if b.intent and b.intent != DIRECTORY_INTENT)
    button_services = frozenset(b.service for b in reply.buttons if b.service)
    if not reply.replied:
        kind = "no_reply"
    elif urgent_route:
        kind = "urgent"
    elif service:
        kind = "directory"
    elif tasks:
        kind = "task"
    elif fallback:
        kind = "fallback"
    elif button_tasks or button_services:
        kind = "clarify"
    else:
        kind = "other"
    return Outcome(kind, urgent_route, service, frozenset(tasks), button_tasks, button_services, fallback)


@dataclass(frozen=True)
class Verdict:
    """Whether the first reply helped, and what happened."""

    helped: bool
    outcome: Outcome
    false_urgent: bool = False


def judge(expect: Expectation, outcome: Outcome) -> Verdict:
    """Whether the first reply helped, as the issue defines it.

    Helped: the expected urgent route; an acceptable task started or service answered; buttons that lead to one
    (not the fallback's); for the fallback, a reply that starts nothing. Any urgent route on a message that is not
    urgent is a false urgent.
    """
    if expect.urgent:
        return Verdict(outcome.urgent_route in expect.urgent, outcome)
    if outcome.urgent_route:
        return Verdict(False, outcome, false_urgent=True)
    if outcome.kind == "no_reply":
        return Verdict(False, outcome)
    if expect.fallback:
        return Verdict(not outcome.tasks and outcome.service is None, outcome)
    if outcome.tasks & expect.tasks or (outcome.service and outcome.service in expect.services):
        return Verdict(True, outcome)
    offered = not outcome.fallback and not outcome.tasks and outcome.service is None and bool(
        outcome.button_tasks & expect.tasks or outcome.button_services & expect.services)
    return Verdict(offered, outcome)


# --------------------------------------------------------------------------- the figures

TARGET_HELPED = 0.90
TARGET_URGENT_RECALL = 1.0
TARGET_FALSE_URGENT = 0


@dataclass(frozen=True)
class Result:
    """One item with its verdict and the reply it was judged on."""

    item: Item
    verdict: Verdict
    reply: FirstReply


def expectation_text(expect: Expectation) -> str:
    """The expectation in the words of the YAML file, for the failure list."""
    if expect.fallback:
        return "fallback"
    parts = []
    if expect.urgent:
        parts.append(f"urgent {'/'.join(expect.urgent)}")
    if expect.tasks:
        parts.append(f"task {'/'.join(sorted(expect.tasks))}")
    if expect.services:
        parts.append(f"service {'/'.join(sorted(expect.services))}")
    return " or ".join(parts)


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """The benchmark's figures: per category, per urgent route, false urgent and overall."""
    categories: dict[str, Any] = {}
    for category in [c for c in CATEGORIES if any(r.item.category == c for r in results)]:
        chosen = [r for r in results if r.item.category == category]
        kinds = Counter(r.verdict.outcome.kind for r in chosen)
        categories[category] = {
            "n": len(chosen),
            "helped": sum(r.verdict.helped for r in chosen) / len(chosen),
            "fallback": kinds["fallback"] / len(chosen),
            "outcomes": dict(kinds),
        }
    routes = {}
    for route in URGENT_ROUTES:
        chosen = [r for r in results if r.item.expect.route == route]
        if chosen:
            routes[route] = {"n": len(chosen), "recall": sum(r.verdict.helped for r in chosen) / len(chosen)}
    urgent = [r for r in results if r.item.expect.urgent]
    return {
        "n": len(results),
        "helped": sum(r.verdict.helped for r in results) / len(results) if results else 0.0,
        "categories": categories,
        "urgent_recall": routes,
        "urgent_recall_all": sum(r.verdict.helped for r in urgent) / len(urgent) if urgent else None,
        "false_urgent": sum(r.verdict.false_urgent for r in results),
        "false_urgent_texts": [r.item.text for r in results if r.verdict.false_urgent],
    }


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def format_report(figures: Mapping[str, Any], channel: str) -> str:
    """The printed table, targets beside the figures."""
    lines = [f"Resident-style first messages, {channel} channel: {figures['n']} messages", "",
             f"  {'category':<14}{'n':>5}{'helped':>9}{'fallback':>10}   outcomes"]
    for category, row in figures["categories"].items():
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(row["outcomes"].items(), key=lambda kv: -kv[1]))
        lines.append(f"  {category:<14}{row['n']:>5}{row['helped']:>9.2f}{row['fallback']:>10.2f}   {outcomes}")
    lines += ["", f"  {'urgent route':<22}{'n':>5}{'recall':>9}   target {TARGET_URGENT_RECALL:.2f}"]
    for route, row in figures["urgent_recall"].items():
        lines.append(f"  {route:<22}{row['n']:>5}{row['recall']:>9.2f}   "
                     f"{_met(row['recall'] >= TARGET_URGENT_RECALL)}")
    overall_urgent = figures["urgent_recall_all"]
    helped = figures["helped"]
    lines += [
        "",
        f"  helped on the first reply  {helped:.3f}   target >= {TARGET_HELPED:.2f}: {_met(helped >= TARGET_HELPED)}",
        "  urgent recall (all routes) "
        + (f"{overall_urgent:.3f}   target {TARGET_URGENT_RECALL:.2f}: "
           f"{_met(overall_urgent >= TARGET_URGENT_RECALL)}" if overall_urgent is not None else "n/a"),
        f"  false urgent routes        {figures['false_urgent']:>5}   target {TARGET_FALSE_URGENT}: "
        f"{_met(figures['false_urgent'] <= TARGET_FALSE_URGENT)}",
    ]
    return "\n".join(lines)


def format_failures(results: Sequence[Result]) -> str:
    """Every message that was not helped: expected against what happened, with the recognised intent."""
    lines = []
    for r in results:
        if r.verdict.helped:
            continue
        reply = r.reply
        said = " | ".join(t.replace("\n", " ") for t in reply.texts if t)[:140]
        confidence = f" {reply.confidence:.2f}" if isinstance(reply.confidence, (int, float)) else ""
        lines.append(
            f"  [{r.item.category}] {r.item.text!r}\n      expected {expectation_text(r.item.expect)}; "
            f"got {r.verdict.outcome.describe()} (intent {reply.intent}{confidence}; "
            f"actions {', '.join(reply.actions) or '-'})\n      said: {said or '-'}"
        )
    return "\n".join(lines) if lines else "  none"


def changes(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Messages whose verdict changed between two saved runs (``results`` of resident_eval_<channel>.json).

    A merge can help one category and hurt another; the overall rate hides that, the list of flips does not.
    """
    earlier = {row["text"]: bool(row["helped"]) for row in before}
    flips: dict[str, list[str]] = {"now_helped": [], "no_longer_helped": []}
    for row in after:
        if row["text"] in earlier and earlier[row["text"]] != bool(row["helped"]):
            flips["now_helped" if row["helped"] else "no_longer_helped"].append(
                f"[{row['category']}] {row['text']!r}: {row['outcome']}")
    return flips


def ask(session: requests.Session, rasa_url: str, channel: str, text: str, token: str | None) -> FirstReply:
    """Send text as the first message of a new conversation; read the first turn back from the tracker."""
    sender = f"eval-{channel}-{uuid.uuid4().hex[:16]}"
    answer = session.post(f"{rasa_url}{WEBHOOKS[channel]}", json={"sender": sender, "message": text}, timeout=60)
    answer.raise_for_status()
    params = {"token": token} if token else None
    tracker = session.get(f"{rasa_url}/conversations/{sender}/tracker", params=params, timeout=30)
    tracker.raise_for_status()
    return first_reply(tracker.json())
