"""Time to answer of a running Alexa skill endpoint under concurrent simulated speakers.

Each speaker replays real Alexa request envelopes (the recorded fixtures in tests/voice_skill/fixtures/alexa, with
their intents mapped to this skill's) as whole voice conversations: open the skill, ask for the bin day,
give a postcode, pick an address, ask about opening hours and which bin a pizza box goes in, then stop.
The endpoint must be started with verification off, which only an explicit flag does (and says so loudly):

    .venv/bin/python -m voice_skill --no-verify --port 5100 --rasa-url http://127.0.0.1:5005
    .venv/bin/python bench/voice_latency.py --url http://127.0.0.1:5100/alexa --speakers 20

Prints p50/p95/p99 time to answer (Alexa's hard limit is 8 s; the target here is p95 <= 400 ms with 20
speakers), errors, and the share of answers whose first sentence holds the answer within 25 words.
`--think` adds a pause between a speaker's turns: seconds, or `speech` for the time a person needs (Alexa
speaking the last answer at 150 words a minute, then 2.5 s for the resident to reply and be heard); the
default 0 sends turns back to back, the worst case, which no real speaker can do.
Loopback targets only; the run stops starting conversations after --seconds. Exits 1 when a turn failed,
2 when the endpoint cannot be reached or refuses unsigned requests.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import ipaddress
import json
import random
import re
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from evaluation.manifest import ROOT
from evaluation.stats import percentile
from evaluation.text import strip_markup

FIXTURES = ROOT / "tests" / "voice_skill" / "fixtures" / "alexa"  # data files, read beside the tests
ALEXA_LIMIT_SECONDS = 8.0
TARGET_P95_MS = 400
MAX_FIRST_SENTENCE_WORDS = 25
SPOKEN_WORDS_PER_SECOND = 150 / 60  # Alexa's default speaking rate
REPLY_SECONDS = 2.5  # the resident thinking, speaking a short reply, and Alexa hearing the end of it


@dataclass(frozen=True)
class Turn:
    """One request of a scripted conversation and, for answers, a pattern its first sentence must hold."""

    request: dict[str, Any]
    answer: str | None = None  # regex; None for turns that only ask a question or say goodbye


def intent(name: str, **slots: str) -> dict[str, Any]:
    """An IntentRequest body with plain slots, as Alexa sends them for unresolved values."""
    return {"type": "IntentRequest", "intent": {
        "name": name, "confirmationStatus": "NONE",
        "slots": {k: {"name": k, "value": v, "confirmationStatus": "NONE"} for k, v in slots.items()}}}


def resolved_intent(template: dict[str, Any], name: str, slot: str, heard: str, canonical: str) -> dict[str, Any]:
    """The jovo fixture's resolved-slot IntentRequest, mapped to one of this skill's intents and slots."""
    body = copy.deepcopy(template)
    value = body["intent"]["slots"].pop("name")
    value.update(name=slot, value=heard)
    value["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"] = {"name": canonical, "id": canonical}
    body["intent"] = {"name": name, "confirmationStatus": "NONE", "slots": {slot: value}}
    return body


def script() -> tuple[dict[str, Any], list[Turn]]:
    """The envelope to copy and the conversation every speaker has, from the recorded fixtures."""
    launch = json.loads((FIXTURES / "launch_request.jovo.json").read_text())
    resolved = json.loads((FIXTURES / "intent_request_slot_resolution_match.jovo.json").read_text())["request"]
    ended = json.loads((FIXTURES / "session_ended_user_initiated.home_assistant.json").read_text())["request"]
    turns = [
        Turn(launch["request"]),
        Turn(intent("bin_collection_day")),
        Turn(intent("CatchAllIntent", text="FB1 2AA")),
        Turn(intent("SelectOptionIntent", option="2"), r"\bnext collected\b"),
        Turn(resolved_intent(resolved, "library_opening_hours", "place", "the main library", "Central Library"),
             r"Central Library"),
        Turn(intent("what_goes_in_bin", item="pizza box"), r"(?i)pizza"),
        Turn(intent("report_status", reference="10231"), r"Report 1 0 2 3 1 is"),
        Turn(intent("AMAZON.StopIntent"), r"Goodbye"),
        Turn(ended),
    ]
    return launch, turns


@dataclass
class Results:
    """What every speaker measured, shared under a lock."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: int = 0
    good_answers: int = 0
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def first_sentence(ssml: str) -> str:
    """The first sentence of the spoken answer, without SSML tags."""
    return re.split(r"(?<=[.?!])\s+", strip_markup(ssml), maxsplit=1)[0]


def pause(think: float | None, ssml: str) -> float:
    """Seconds before a speaker's next turn: fixed, or (None) as long as a person needs to hear and reply."""
    if think is not None:
        return think
    words = len(strip_markup(ssml).split())
    return words / SPOKEN_WORDS_PER_SECOND + REPLY_SECONDS


def converse(url: str, base: dict[str, Any], turns: list[Turn], results: Results, timeout: float,
             think: float | None = 0.0) -> None:
    """One whole voice conversation with a fresh Alexa session (think None: paced like a person)."""
    session = requests.Session()
    session_id = f"amzn1.echo-api.session.bench-{uuid.uuid4()}"
    attributes: dict[str, Any] = {}
    ssml = ""
    for index, turn in enumerate(turns):
        wait = pause(think, ssml)
        if index and wait:
            time.sleep(wait)  # Alexa speaking the answer, then the resident speaking
        envelope = copy.deepcopy(base)
        envelope["session"].update(sessionId=session_id, attributes=attributes, new=not attributes)
        envelope["request"] = {**turn.request, "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
                               "timestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "locale": "en-GB"}
        started = time.perf_counter()
        try:
            response = session.post(url, json=envelope, timeout=timeout)
            elapsed = time.perf_counter() - started
            body = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError) as error:
            with results.lock:
                results.errors.append(f"{type(error).__name__}: {error}")
            return
        ssml = ((body.get("response") or {}).get("outputSpeech") or {}).get("ssml", "")
        with results.lock:
            results.latencies.append(elapsed)
            if response.status_code != 200:
                results.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                return
            if turn.request["type"] != "SessionEndedRequest" and not ssml:
                results.errors.append(f"no speech for {turn.request.get('intent', {}).get('name')}")
            if turn.answer is not None:
                results.answers += 1
                sentence = first_sentence(ssml)
                if len(sentence.split()) <= MAX_FIRST_SENTENCE_WORDS and re.search(turn.answer, sentence):
                    results.good_answers += 1
                elif len(results.examples) < 5:
                    results.examples.append(sentence)
        attributes = body.get("sessionAttributes") or {}


def check_loopback(url: str) -> None:
    """Refuse anything but this machine: the benchmark floods the endpoint."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit(f"Refusing {url}: the benchmark only targets loopback (127.0.0.1, ::1, localhost).")


def main() -> int:
    """Run the speakers and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5100/alexa")
    parser.add_argument("--speakers", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=3, help="conversations per speaker")
    parser.add_argument("--seconds", type=float, default=120, help="stop starting conversations after this")
    parser.add_argument("--timeout", type=float, default=ALEXA_LIMIT_SECONDS)
    parser.add_argument("--think", default="0",
                        help="seconds between a speaker's turns (0: back to back, the worst case), or 'speech': "
                             "as long as Alexa takes to speak the answer plus 2.5 s for the resident's reply")
    args = parser.parse_args()
    try:
        think = None if args.think == "speech" else float(args.think)
    except ValueError:
        parser.error("--think takes seconds or 'speech'")
    check_loopback(args.url)
    base, turns = script()

    try:
        probe = requests.post(args.url, json={**base, "request": {**base["request"], "timestamp": "x"}}, timeout=10)
    except requests.RequestException as error:
        print(f"Cannot reach {args.url}: {error}", file=sys.stderr)
        return 2
    if probe.status_code == 400 and "verification" in probe.text:
        print("The endpoint verifies requests: start it with `python -m voice_skill --no-verify` for the benchmark.",
              file=sys.stderr)
        return 2

    results = Results()
    deadline = time.monotonic() + args.seconds

    def speaker() -> None:
        time.sleep(random.uniform(0, 5.0 if think is None else think))  # speakers do not all start at once
        for _ in range(args.conversations):
            if time.monotonic() > deadline:
                return
            converse(args.url, base, turns, results, args.timeout, think)

    started = time.perf_counter()
    threads = [threading.Thread(target=speaker, daemon=True) for _ in range(args.speakers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + args.timeout * len(turns) + 5)
    wall = time.perf_counter() - started

    if not results.latencies:
        print("No answers measured.", file=sys.stderr)
        return 1
    ms = [x * 1000 for x in results.latencies]
    p50, p95, p99 = (percentile(ms, q) for q in (50, 95, 99))
    share = results.good_answers / results.answers if results.answers else 0.0
    print(f"Alexa skill endpoint {args.url}: {args.speakers} concurrent speakers, "
          f"{'paced like people (speech)' if think is None else f'{think:g} s'} between turns, "
          f"{len(ms)} requests in {wall:.1f} s ({len(ms) / wall:.1f} requests/s)")
    print(f"time to answer   p50 {p50:.0f} ms   p95 {p95:.0f} ms   p99 {p99:.0f} ms   max {max(ms):.0f} ms   "
          f"mean {statistics.mean(ms):.0f} ms")
    print(f"target p95 <= {TARGET_P95_MS} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'}; "
          f"over Alexa's {ALEXA_LIMIT_SECONDS:.0f} s limit: {sum(x > ALEXA_LIMIT_SECONDS * 1000 for x in ms)}")
    print(f"answers whose first sentence holds the answer within {MAX_FIRST_SENTENCE_WORDS} words: "
          f"{results.good_answers}/{results.answers} ({share:.0%})")
    for example in results.examples:
        print(f"  first sentence that missed: {example!r}")
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:5]:
        print(f"  {error}")
    print(json.dumps({"requests": len(ms), "speakers": args.speakers, "think": args.think,
                      "p50_ms": round(p50), "p95_ms": round(p95),
                      "p99_ms": round(p99), "answer_first_share": round(share, 3), "errors": len(results.errors)}))
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
