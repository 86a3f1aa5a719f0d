"""Turn latency and throughput of a running stack: load levels, one long conversation, a publish under load.

In one run, against Rasa's REST channel (residents send the conversations of bench/conversations.yml back to
back, one turn at a time, a fresh sender id per conversation):

1. each of ``--levels`` (1, 20, 50 residents) for ``--seconds``: turns/s, p50/p95/p99, errors, and the CPU of
   every Rasa and action-server process (found by their listening ports, read from /proc) as % of one core;
2. one conversation of ``--long-turns`` (200) turns: the median of turns 1-20 against turns 181-200;
3. with ``--publish-command``, 10 residents talking while the command publishes a model: the longest turn, and
   how long until every worker answers with the new model (GET /status over fresh connections).

    .venv/bin/python bench/latency.py --rasa-url http://127.0.0.1:5005 \
        --publish-command ".venv/bin/python -m staff_console publish --rasa-pulls --model models/other.tar.gz"

Prints each phase's figures with its target, then one JSON line with all of them. Exits 0 when it ran (the
figures are the result), 2 when the stack cannot be reached.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml

from evaluation.stats import percentile
from local_stack.listeners import listening
from local_stack.services import RASA_TOKEN_ENV

try:  # optional: only used to find the process listening on a port
    import psutil
except ImportError:  # pragma: no cover - depends on the environment
    psutil = None

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_SCRIPTS = Path(__file__).resolve().parent / "conversations.yml"


# ---------------------------------------------------------------------------------------------------------
# Conversations


@dataclass(frozen=True)
class Conversation:
    """One scripted conversation: what a resident types, turn by turn."""

    name: str
    turns: tuple[str, ...]


def load_conversations(path: Path) -> list[Conversation]:
    """Read and check the conversation scripts."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    conversations = []
    for i, entry in enumerate(data.get("conversations") or []):
        turns = entry.get("turns") if isinstance(entry, dict) else None
        if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise ValueError(f"{path}: conversation {i} needs a non-empty list of text turns")
        conversations.append(Conversation(str(entry.get("name") or f"conversation_{i}"), tuple(turns)))
    if not conversations:
        raise ValueError(f"{path}: no conversations")
    return conversations


# ---------------------------------------------------------------------------------------------------------
# Processes and memory, from /proc (Linux)


def _listening_inodes(port: int) -> set[str]:
    return {inode for _, inode in listening(port)}


def _pids_holding_sockets(inodes: set[str]) -> set[int]:
    wanted = {f"socket:[{inode}]" for inode in inodes}
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    pids.add(int(proc.name))
                    break
        except OSError:
            continue
    return pids


def _pids_from_ss(port: int) -> set[int]:
    try:
        out = subprocess.run(
            ["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {int(pid) for pid in re.findall(r"pid=(\d+)", out)}


def pids_listening_on(port: int) -> set[int]:
    """Process ids holding a listening TCP socket on `port` (psutil, else /proc, else `ss -ltnp`)."""
    if psutil is not None:
        try:
            found = {
                c.pid
                for c in psutil.net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid
            }
            if found:
                return found
        except (psutil.Error, OSError):
            pass
    inodes = _listening_inodes(port)
    found = _pids_holding_sockets(inodes) if inodes else set()
    return found or _pids_from_ss(port)


def _parent_map() -> dict[int, int]:
    parents = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces or brackets: the fields after the last ")" are safe to split.
        parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def with_descendants(roots: set[int]) -> set[int]:
    """The given processes and all their children, grandchildren, ..."""
    children = defaultdict(list)
    for pid, parent in _parent_map().items():
        children[parent].append(pid)
    seen, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children.get(pid, ()))
    return seen


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    if psutil is not None and key == "VmRSS":
        try:
            return psutil.Process(pid).memory_info().rss // 1024
        except psutil.Error:
            return None
    return None


@dataclass
class ServerMemory:
    """Memory of one server (a listening process and its children) over the run."""

    label: str
    port: int
    roots: set[int]
    pids: set[int] = field(default_factory=set)
    peak_rss_kb: int = 0

    def sample(self) -> None:
        """Add up the current RSS of the process tree and keep the highest total seen."""
        if not self.roots:
            return
        self.pids = with_descendants(self.roots)
        total = sum(_status_kb(pid, "VmRSS") or 0 for pid in self.pids)
        self.peak_rss_kb = max(self.peak_rss_kb, total)

    def high_water_kb(self) -> int | None:
        """Sum of each process's own lifetime peak (VmHWM): an upper bound that sampling cannot miss."""
        values = [_status_kb(pid, "VmHWM") for pid in self.pids]
        values = [v for v in values if v is not None]
        return sum(values) if values else None


class MemorySampler(threading.Thread):
    """Samples the servers' RSS every `interval` seconds until stopped."""

    def __init__(self, servers: list[ServerMemory], interval: float) -> None:
        super().__init__(daemon=True)
        self.servers = servers
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        """Sample until `stop` is called."""
        while True:
            for server in self.servers:
                server.sample()
            if self.stopped.wait(self.interval):
                break

    def stop(self) -> None:
        """Stop sampling, then take one last sample."""
        self.stopped.set()
        self.join()
        for server in self.servers:
            server.sample()


# ---------------------------------------------------------------------------------------------------------
# CPU per process, from /proc (Linux)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


@dataclass
class CpuShare:
    """CPU used by each process of the servers (a listening process and its children) over one phase."""

    label: str
    roots: set[int]
    before: dict[int, float] = field(default_factory=dict)
    used: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        """Read every process's CPU time now."""
        self.before = {pid: cpu_seconds(pid) or 0.0 for pid in with_descendants(self.roots)}

    def stop(self) -> None:
        """CPU seconds each process used since ``start`` (processes that appeared since count from zero)."""
        now = {pid: cpu_seconds(pid) for pid in with_descendants(self.roots)}
        self.used = {pid: seconds - self.before.get(pid, 0.0) for pid, seconds in now.items() if seconds is not None}

    def lines(self, wall: float) -> list[str]:
        """One line per process that did work: % of one core, and its share of the servers' CPU."""
        total = sum(self.used.values())
        busy = sorted(((s, pid) for pid, s in self.used.items() if s > 0.05 * max(total, 1e-9)), reverse=True)
        return [f"    {self.label} pid {pid}: {100 * s / wall:5.1f}% of one core, {100 * s / total:5.1f}% of"
                f" {self.label}'s CPU  ({_command(pid)[:60]})" for s, pid in busy] if total else []

    def summary(self, wall: float) -> dict[str, float]:
        """Each process id with its % of one core, for the JSON line."""
        return {str(pid): round(100 * s / wall, 1) for pid, s in self.used.items() if s > 0}


# ---------------------------------------------------------------------------------------------------------
# Residents


@dataclass
class Turn:
    """One message sent and its answer."""

    conversation: str
    latency_ms: float
    ok: bool
    error: str | None = None
    started: float = 0.0  # time.monotonic() when it was sent


@dataclass
class Results:
    """Turns collected from every resident (thread-safe append)."""

    turns: list[Turn] = field(default_factory=list)
    conversations_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, turn: Turn) -> None:
        """Record one turn."""
        with self.lock:
            self.turns.append(turn)

    def conversation_done(self) -> None:
        """Count one finished conversation."""
        with self.lock:
            self.conversations_done += 1


def send_turn(session: requests.Session, url: str, sender: str, text: str, timeout: float) -> str | None:
    """Send one message; return None when Rasa answered 200 with at least one message, else why not."""
    try:
        response = session.post(url, json={"sender": sender, "message": text}, timeout=timeout)
    except requests.Timeout:
        return "timeout"
    except requests.RequestException as exc:
        return f"connection error ({type(exc).__name__})"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        answer = response.json()
    except ValueError:
        return "answer is not JSON"
    if not isinstance(answer, list) or not answer:
        return "empty answer"
    return None


def timed_turn(session: requests.Session, args: argparse.Namespace, sender: str, text: str, name: str,
               results: Results) -> None:
    """Send one turn and record how long it took."""
    started = time.monotonic()
    error = send_turn(session, args.rasa_url + WEBHOOK_PATH, sender, text, args.timeout)
    results.add(Turn(name, (time.monotonic() - started) * 1000, error is None, error, started))


def resident(index: int, args: argparse.Namespace, conversations: list[Conversation], results: Results,
             until: float, stop: threading.Event) -> None:
    """One simulated resident: conversation after conversation, one turn after another, until ``until``."""
    rng = random.Random(args.seed * 100_003 + index)
    with requests.Session() as session:
        while not stop.is_set() and time.monotonic() < until:
            conversation = rng.choice(conversations)
            sender = f"bench-{index}-{uuid.uuid4().hex[:12]}"
            for text in conversation.turns:
                if stop.is_set() or time.monotonic() >= until:
                    return
                timed_turn(session, args, sender, text, conversation.name, results)
                if args.think_ms:
                    time.sleep(args.think_ms / 1000)
            results.conversation_done()


def run_residents(args: argparse.Namespace, conversations: list[Conversation], residents: int, seconds: float,
                  stop: threading.Event) -> tuple[Results, float]:
    """``residents`` residents talking back to back for ``seconds``; their turns and the wall time."""
    results = Results()
    started = time.monotonic()
    threads = [threading.Thread(target=resident, args=(i, args, conversations, results, started + seconds, stop),
                                name=f"resident-{i}") for i in range(residents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - started


# ---------------------------------------------------------------------------------------------------------
# Phases


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _median(values: list[float]) -> float | None:
    return percentile(values, 50)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def level_phase(args: argparse.Namespace, conversations: list[Conversation], residents: int,
                cpu: list[CpuShare], stop: threading.Event) -> dict:
    """Residents back to back: turns/s, p50/p95/p99, errors, and each server process's CPU."""
    for share in cpu:
        share.start()
    results, wall = run_residents(args, conversations, residents, args.seconds, stop)
    for share in cpu:
        share.stop()
    good = [t.latency_ms for t in results.turns if t.ok]
    errors = [t for t in results.turns if not t.ok]
    p50, p95, p99 = (percentile(good, q) for q in (50, 95, 99))
    rate = len(results.turns) / wall if wall else 0.0
    print(f"\n{residents} resident(s), {wall:.0f} s: {len(results.turns)} turns, {rate:.1f} turns/s, "
          f"p50 {_ms(p50)}  p95 {_ms(p95)}  p99 {_ms(p99)}  max {_ms(max(good) if good else None)}  "
          f"errors {len(errors)}")
    if errors:
        print("    errors: " + ", ".join(f"{kind} x{n}" for kind, n in Counter(t.error for t in errors).most_common()))
    for share in cpu:
        for line in share.lines(wall):
            print(line)
    return {"residents": residents, "turns": len(results.turns), "errors": len(errors),
            "turns_per_second": round(rate, 2), "p50_ms": _round(p50), "p95_ms": _round(p95), "p99_ms": _round(p99),
            "cpu_percent_of_one_core": {share.label: share.summary(wall) for share in cpu}}


def long_conversation_phase(args: argparse.Namespace, conversations: list[Conversation]) -> dict:
    """One resident's conversation of ``--long-turns`` turns: the first 20 turns against the last 20."""
    script = [text for conversation in conversations for text in conversation.turns]
    sender, results = f"bench-long-{uuid.uuid4().hex[:12]}", Results()
    with requests.Session() as session:
        for i in range(args.long_turns):
            timed_turn(session, args, sender, script[i % len(script)], "long", results)
    latencies = [t.latency_ms for t in results.turns]
    window = min(20, len(latencies) // 2)
    first, last = _median(latencies[:window]), _median(latencies[-window:])
    ratio = last / first if first and last else None
    errors = sum(not t.ok for t in results.turns)
    print(f"\nOne conversation of {len(latencies)} turns: median of turns 1-{window} {_ms(first)}, "
          f"of turns {len(latencies) - window + 1}-{len(latencies)} {_ms(last)}: ratio "
          f"{'n/a' if ratio is None else f'{ratio:.2f}'} (target <= 1.3); turn 1 {_ms(latencies[0])}, "
          f"turn {len(latencies)} {_ms(latencies[-1])}; errors {errors}")
    return {"turns": len(latencies), "first_median_ms": _round(first), "last_median_ms": _round(last),
            "ratio": _round(ratio, 2), "errors": errors}


def _models_answering(rasa_url: str, polls: int = 8) -> set[str]:
    """The models (file name and id) Rasa's workers report, over fresh connections (each may reach another)."""
    seen = set()
    for _ in range(polls):
        try:
            # Rasa's API needs its token: start `make run` with RASA_AUTH_TOKEN set and give this bench the same
            status = requests.get(f"{rasa_url}/status", params={"token": os.environ.get(RASA_TOKEN_ENV, "")},
                                  timeout=5, headers={"Connection": "close"}).json()
            seen.add(f"{Path(status.get('model_file') or '').name} {status.get('model_id')}")
        except (requests.RequestException, ValueError):
            seen.add("unreachable")
    return seen


def publish_phase(args: argparse.Namespace, conversations: list[Conversation], stop: threading.Event) -> dict:
    """Residents talk while ``--publish-command`` publishes a model: the longest turn, and until all switched."""
    before = _models_answering(args.rasa_url)
    results = Results()
    started = time.monotonic()
    until = started + args.publish_seconds
    threads = [threading.Thread(target=resident, args=(i, args, conversations, results, until, stop))
               for i in range(args.publish_residents)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    published_at = time.monotonic()
    command = subprocess.run(args.publish_command, shell=True, capture_output=True, text=True, check=False)
    switched_after = None
    while time.monotonic() < until and command.returncode == 0:
        now = _models_answering(args.rasa_url)
        if now and not now & before and "unreachable" not in now:
            switched_after = time.monotonic() - published_at
            break
        time.sleep(1)
    stop_waiting = time.monotonic() + 10  # keep talking a little after the switch
    while time.monotonic() < min(until, stop_waiting):
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    stop.clear()
    during = [t for t in results.turns if t.started >= published_at - 1]
    longest = max((t.latency_ms for t in during if t.ok), default=None)
    errors = sum(not t.ok for t in during)
    print(f"\nPublish while {args.publish_residents} residents talk ({args.publish_command!r}, exit "
          f"{command.returncode}): longest turn {_ms(longest)} (target <= 2000 ms), {len(during)} turns, "
          f"errors {errors}; every worker answered with the new model after "
          f"{'never within the phase' if switched_after is None else f'{switched_after:.0f} s'} (target <= 60 s)")
    if command.returncode:
        print("    publish command failed: " + (command.stderr or command.stdout).strip()[-300:])
    return {"longest_turn_ms": _round(longest), "turns": len(during), "errors": errors,
            "switched_after_s": _round(switched_after), "command_exit": command.returncode}


# ---------------------------------------------------------------------------------------------------------
# Command line


LOCALHOST_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def loopback_problem(url: str) -> str | None:
    """Why `url` is not an allowed target, or None when it is on this machine.

    Only IP literals and the names "localhost" (from /etc/hosts) are accepted, so that checking a URL
    never needs a DNS query.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--rasa-url must be an http URL, got {url!r}"
    host = parts.hostname.lower()
    if host in LOCALHOST_NAMES or host.endswith(".localhost"):
        names = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 80, proto=socket.IPPROTO_TCP)}
    else:
        names = {host}
    try:
        if all(ipaddress.ip_address(name.split("%")[0]).is_loopback for name in names):
            return None
    except ValueError:
        pass
    return f"refusing {url}: this benchmark only targets loopback addresses (127.0.0.1, ::1, localhost)"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005", help="a running Rasa server (loopback)")
    parser.add_argument("--levels", default="1,20,50", help="residents talking back to back, one phase each")
    parser.add_argument("--seconds", type=float, default=30, help="length of each level's phase")
    parser.add_argument("--long-turns", type=int, default=200, help="turns of the long conversation (0: skip)")
    parser.add_argument("--publish-command", help="shell command that publishes a model (none: no publish phase)")
    parser.add_argument("--publish-residents", type=int, default=10, help="residents talking during the publish")
    parser.add_argument("--publish-seconds", type=float, default=90, help="longest the publish phase lasts")
    parser.add_argument("--rasa-port", type=int, action="append",
                        help="port of a Rasa server whose processes' CPU to report (repeat; default: from URL)")
    parser.add_argument("--actions-port", type=int, default=5055, help="port of the action server")
    parser.add_argument("--scripts", type=Path, default=DEFAULT_SCRIPTS, help="conversation scripts (YAML)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for one answer")
    parser.add_argument("--think-ms", type=float, default=0, help="pause between a resident's turns")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up turns before the run")
    parser.add_argument("--seed", type=int, default=1, help="seed for picking conversations")
    args = parser.parse_args(argv)
    try:
        args.levels = [int(level) for level in args.levels.split(",") if level.strip()]
    except ValueError:
        parser.error("--levels is a comma-separated list of whole numbers, like 1,20,50")
    if any(level < 1 for level in args.levels) or args.seconds <= 0 or args.timeout <= 0 or args.long_turns < 0:
        parser.error("--levels, --seconds and --timeout must be positive, --long-turns >= 0")
    args.rasa_url = args.rasa_url.rstrip("/")
    if not args.rasa_port:
        parts = urlsplit(args.rasa_url)
        args.rasa_port = [parts.port or (443 if parts.scheme == "https" else 80)]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every phase and print its figures, then one JSON line with all of them."""
    args = parse_args(argv)
    problem = loopback_problem(args.rasa_url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    conversations = load_conversations(args.scripts)
    try:
        requests.get(args.rasa_url + "/", timeout=5).raise_for_status()
    except requests.RequestException as exc:
        print(f"Rasa is not answering at {args.rasa_url}: {exc}", file=sys.stderr)
        return 2
    with requests.Session() as session:
        for _ in range(args.warmup):
            send_turn(session, args.rasa_url + WEBHOOK_PATH, f"bench-warmup-{uuid.uuid4().hex[:8]}", "hello", 60)

    rasa_roots = set().union(*(pids_listening_on(port) for port in args.rasa_port))
    cpu = [CpuShare("rasa", rasa_roots), CpuShare("actions", pids_listening_on(args.actions_port))]
    memory = [ServerMemory("rasa server", args.rasa_port[0], rasa_roots),
              ServerMemory("action server", args.actions_port, cpu[1].roots)]
    sampler = MemorySampler(memory, 0.5)
    sampler.start()
    print(f"Council Assistant latency against {args.rasa_url} on {os.cpu_count()} cores: Rasa processes "
          f"{sorted(with_descendants(rasa_roots)) or 'not found'}; residents talk back to back, no think time")
    stop = threading.Event()
    summary: dict = {"rasa_url": args.rasa_url, "cores": os.cpu_count(), "levels": []}
    try:
        for residents in args.levels:
            summary["levels"].append(level_phase(args, conversations, residents, cpu, stop))
        if args.long_turns:
            summary["long_conversation"] = long_conversation_phase(args, conversations)
        if args.publish_command:
            summary["publish"] = publish_phase(args, conversations, stop)
    except KeyboardInterrupt:
        stop.set()
        print("interrupted", file=sys.stderr)
    sampler.stop()
    for server in memory:
        if server.roots:
            print(f"{server.label}: peak RSS {_mb(server.peak_rss_kb)} MB over {len(server.pids)} processes")
            summary[f"{server.label.split()[0]}_peak_rss_mb"] = _mb(server.peak_rss_kb)
    print(json.dumps(summary, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
