"""Turn latency, throughput and memory of a running Rasa stack under concurrent simulated residents.

Each resident runs multi-turn conversations from bench/conversations.yml through Rasa's REST channel,
one turn at a time, with a fresh sender id per conversation. The Rasa server and the action server are
found by their listening ports, and their resident memory (process plus children) is sampled from /proc.

    .venv/bin/python bench/latency.py --rasa-url http://127.0.0.1:5005 --residents 20 --conversations 3

Prints p50/p95/p99 turn latency, turns per second, errors (non-200 or empty answer), peak RSS, and a
one-line JSON summary last. Exits 1 when any turn failed, 2 when the stack cannot be reached.
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
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


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
# Residents


@dataclass
class Turn:
    """One message sent and its answer."""

    conversation: str
    latency_ms: float
    ok: bool
    error: str | None = None


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


def resident(
    index: int,
    args: argparse.Namespace,
    conversations: list[Conversation],
    results: Results,
    deadline: float,
    stop: threading.Event,
) -> None:
    """One simulated resident: `args.conversations` conversations, one turn after another."""
    rng = random.Random(args.seed * 100_003 + index)
    url = args.rasa_url + WEBHOOK_PATH
    with requests.Session() as session:
        for _ in range(args.conversations):
            conversation = rng.choice(conversations)
            sender = f"bench-{index}-{uuid.uuid4().hex[:12]}"
            for text in conversation.turns:
                remaining = deadline - time.monotonic()
                if stop.is_set() or remaining <= 0:
                    stop.set()
                    return
                started = time.perf_counter()
                error = send_turn(session, url, sender, text, min(args.timeout, max(remaining, 1.0)))
                elapsed = (time.perf_counter() - started) * 1000
                results.add(Turn(conversation.name, elapsed, error is None, error))
                if args.think_ms:
                    time.sleep(args.think_ms / 1000)
            results.conversation_done()


# ---------------------------------------------------------------------------------------------------------
# Figures


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


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
    parser.add_argument("--residents", type=int, default=20, help="concurrent simulated residents")
    parser.add_argument("--conversations", type=int, default=3, help="conversations per resident")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop sending new turns after this")
    parser.add_argument("--rasa-port", type=int, help="port the Rasa server listens on (default: from URL)")
    parser.add_argument("--actions-port", type=int, default=5055, help="port of the action server")
    parser.add_argument("--scripts", type=Path, default=DEFAULT_SCRIPTS, help="conversation scripts (YAML)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for one answer")
    parser.add_argument("--think-ms", type=float, default=0, help="pause between a resident's turns")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up turns before the run")
    parser.add_argument("--sample-interval", type=float, default=0.2, help="seconds between RSS samples")
    parser.add_argument("--seed", type=int, default=1, help="seed for picking conversations")
    args = parser.parse_args(argv)
    if args.residents < 1 or args.conversations < 1 or args.max_seconds <= 0 or args.timeout <= 0:
        parser.error("--residents, --conversations, --max-seconds and --timeout must be positive")
    args.rasa_url = args.rasa_url.rstrip("/")
    if args.rasa_port is None:
        parts = urlsplit(args.rasa_url)
        args.rasa_port = parts.port or (443 if parts.scheme == "https" else 80)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
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

    servers = [
        ServerMemory("rasa server", args.rasa_port, pids_listening_on(args.rasa_port)),
        ServerMemory("action server", args.actions_port, pids_listening_on(args.actions_port)),
    ]
    sampler = MemorySampler(servers, args.sample_interval)
    sampler.start()

    results = Results()
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + args.max_seconds
    threads = [
        threading.Thread(target=resident, args=(i, args, conversations, results, deadline, stop), name=f"resident-{i}")
        for i in range(args.residents)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            thread.join()
    wall = time.monotonic() - started
    sampler.stop()

    return report(args, results, servers, wall, stop.is_set())


def report(args: argparse.Namespace, results: Results, servers: list[ServerMemory], wall: float, stopped: bool) -> int:
    """Print the figures, human-readable then one JSON line; return the exit status."""
    turns = results.turns
    good = [t.latency_ms for t in turns if t.ok]
    errors = [t for t in turns if not t.ok]
    p50, p95, p99 = (percentile(good, q) for q in (50, 95, 99))

    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0f} ms"

    print(
        f"Council Assistant latency: {args.residents} residents x {args.conversations} conversations"
        f" against {args.rasa_url}"
    )
    if stopped:
        print(f"stopped after --max-seconds {args.max_seconds:g} (or interrupted)")
    print(
        f"turns {len(turns)}  errors {len(errors)}  conversations {results.conversations_done}"
        f"  wall {wall:.1f} s  {len(turns) / wall if wall else 0:.1f} turns/s"
    )
    print(
        f"turn latency (successful turns): p50 {ms(p50)}  p95 {ms(p95)}  p99 {ms(p99)}"
        f"  max {ms(max(good) if good else None)}"
    )
    by_conversation = defaultdict(list)
    for turn in turns:
        by_conversation[turn.conversation].append(turn)
    print(f"  {'conversation':<24}{'turns':>7}{'errors':>8}{'p50':>9}{'p95':>9}")
    for name in sorted(by_conversation):
        group = by_conversation[name]
        ok = [t.latency_ms for t in group if t.ok]
        print(
            f"  {name:<24}{len(group):>7}{sum(not t.ok for t in group):>8}"
            f"{ms(percentile(ok, 50)):>9}{ms(percentile(ok, 95)):>9}"
        )
    if errors:
        kinds = Counter(t.error for t in errors)
        print("errors: " + ", ".join(f"{kind} x{count}" for kind, count in kinds.most_common()))

    summary = {
        "rasa_url": args.rasa_url,
        "residents": args.residents,
        "conversations_per_resident": args.conversations,
        "conversations": results.conversations_done,
        "turns": len(turns),
        "errors": len(errors),
        "p50_ms": _round(p50),
        "p95_ms": _round(p95),
        "p99_ms": _round(p99),
        "max_ms": _round(max(good) if good else None),
        "turns_per_second": round(len(turns) / wall, 2) if wall else None,
        "wall_seconds": round(wall, 2),
        "stopped_early": stopped,
    }
    for server in servers:
        key = "rasa" if server.label == "rasa server" else "actions"
        if not server.roots:
            print(f"{server.label}: nothing found listening on port {server.port}; memory not measured")
            summary[f"{key}_peak_rss_mb"] = summary[f"{key}_vmhwm_mb"] = None
            continue
        children = len(server.pids - server.roots)
        high_water = server.high_water_kb()
        print(
            f"{server.label} (port {server.port}, pid {','.join(map(str, sorted(server.roots)))}"
            f" + {children} children): peak RSS during run {_mb(server.peak_rss_kb)} MB"
            f" (sampled every {args.sample_interval:g} s); lifetime VmHWM {_mb(high_water)} MB"
        )
        summary[f"{key}_peak_rss_mb"] = _mb(server.peak_rss_kb)
        summary[f"{key}_vmhwm_mb"] = _mb(high_water)

    print(json.dumps(summary, separators=(",", ":")))
    return 1 if errors or not turns else 0


if __name__ == "__main__":
    sys.exit(main())
