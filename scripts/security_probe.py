"""Probe a running `make run` from this host the way the security review did, and say what passes.

Checks, each against the real processes over real HTTP:
- listeners: every port of the stack is bound to loopback only (read from /proc/net/tcp and tcp6);
- Rasa's HTTP API refuses calls without its token (tracker, model, status) and sends no CORS headers to another
  site's page;
- the action server refuses a made-up tracker without the shared secret;
- the Alexa endpoint refuses a request whose certificate URL is forged (a parser mismatch that once made the
  endpoint fetch from an internal address), and one with no signature at all;
- the staff console never redirects to another site after a genuine sign-in (``next=/%09/evil.example``) and
  answers password guessing with 429;
- the reference backend's Open311 reads are public as GeoReport v2 says, creating a request needs the key, and an
  id such as ``²`` is a clean 404.

For the sign-in check it needs a console account: ``--console-user`` with the password on standard input, or
it creates a viewer account named ``probe-<random>`` with a random password through the console's own command
(``python -m staff_console create-user``) and says so. Exit status 0 when every check passes.

    .venv/bin/python scripts/security_probe.py            # against make run's default ports
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests

from local_stack.listeners import LOOPBACK, listening

ROOT = Path(__file__).resolve().parent.parent
EVIL = "https://evil.example"
FORGED_CERT_URL = "https://10.0.0.5:8443\\@s3.amazonaws.com/echo.api/x.pem"


class Probe:
    """Runs named checks, prints each verdict, and remembers the failures."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, name: str, test: Callable[[], str | None]) -> None:
        """``test`` returns None when it passes, else what it found; an exception is a failure too."""
        try:
            problem = test()
        except (requests.RequestException, OSError, ValueError, KeyError) as error:
            problem = f"{type(error).__name__}: {error}"
        print(f"{'PASS' if problem is None else 'FAIL'}  {name}" + ("" if problem is None else f": {problem}"))
        if problem is not None:
            self.failures.append(name)


def rasa_checks(probe: Probe, rasa: str) -> None:
    """The API needs the token; no CORS for another site."""
    sender = f"probe-{uuid.uuid4().hex[:8]}"
    probe.check("Rasa: a conversation's tracker without the token is refused",
                lambda: _status_is(requests.get(f"{rasa}/conversations/{sender}/tracker", timeout=10), 401))
    probe.check("Rasa: loading a model without the token is refused",
                lambda: _status_is(requests.put(f"{rasa}/model", json={"model_server": {"url": EVIL}}, timeout=10),
                                   401))
    probe.check("Rasa: status without the token is refused",
                lambda: _status_is(requests.get(f"{rasa}/status", timeout=10), 401))

    def no_cors() -> str | None:
        preflight = requests.options(f"{rasa}/conversations/{sender}/tracker", timeout=10,
                                     headers={"Origin": EVIL, "Access-Control-Request-Method": "GET"})
        simple = requests.get(f"{rasa}/conversations/{sender}/tracker", headers={"Origin": EVIL}, timeout=10)
        allowed = [r.headers.get("Access-Control-Allow-Origin") for r in (preflight, simple)]
        return None if not any(allowed) else f"Access-Control-Allow-Origin: {allowed}"

    probe.check("Rasa: no cross-origin access for another site's page", no_cors)


def actions_check(probe: Probe, actions: str) -> None:
    """A made-up tracker without the shared secret runs nothing."""
    made_up = {"next_action": "action_contact_council", "sender_id": "probe", "version": "3.6.2", "domain": {},
               "tracker": {"sender_id": "probe", "slots": {}, "latest_message": {}, "events": []}}
    probe.check("Action server: a call without Rasa's secret is refused",
                lambda: _status_is(requests.post(f"{actions}/webhook", json=made_up, timeout=10), 401))


def voice_checks(probe: Probe, voice: str) -> None:
    """Forged certificate URL and missing signature: refused before anything is fetched."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body = json.dumps({"version": "1.0", "session": {"new": True, "sessionId": "probe",
                                                      "application": {"applicationId": "amzn1.ask.skill.probe"},
                                                      "user": {"userId": "probe"}},
                       "request": {"type": "LaunchRequest", "requestId": "probe", "timestamp": now,
                                   "locale": "en-GB"}})
    forged = {"Content-Type": "application/json", "SignatureCertChainUrl": FORGED_CERT_URL,
              "Signature-256": "AAAA"}

    def refused_quickly(headers: dict[str, str]) -> str | None:
        started = time.monotonic()
        answer = requests.post(f"{voice}/alexa", data=body, headers=headers, timeout=30)
        seconds = time.monotonic() - started
        if answer.status_code < 400:
            return f"answered {answer.status_code}"
        # an attempt to fetch from 10.0.0.5 would wait for the connection to time out
        return None if seconds < 2 else f"took {seconds:.1f} s: it may have tried to fetch the forged URL"

    probe.check("Alexa: a forged certificate URL is refused without fetching it", lambda: refused_quickly(forged))
    probe.check("Alexa: an unsigned request is refused",
                lambda: refused_quickly({"Content-Type": "application/json"}))


def console_checks(probe: Probe, console: str, username: str, password: str) -> None:
    """Sign-in goes back only to the console's own pages; guessing passwords gets 429."""

    def signed_in_redirect() -> str | None:
        with requests.Session() as browser:
            target = f"{console}/login?next=/%09/evil.example"
            page = browser.get(target, timeout=10).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            answer = browser.post(target, data={"username": username, "password": password,
                                                "csrf_token": token.group(1) if token else ""},
                                  allow_redirects=False, timeout=30)
            if answer.status_code not in (302, 303):
                return f"sign-in answered {answer.status_code}, not a redirect (is the account right?)"
            location = urlsplit(answer.headers.get("Location", ""))
            own = urlsplit(console)
            if location.netloc not in ("", own.netloc) or answer.headers.get("Location", "").startswith("//"):
                return f"redirected to {answer.headers.get('Location')}"
            return None

    probe.check("Console: after sign-in, next=/%09/evil.example stays on the console", signed_in_redirect)

    def guessing() -> str | None:
        victim = f"probe-victim-{uuid.uuid4().hex[:6]}"
        with requests.Session() as browser:
            for attempt in range(1, 31):
                page = browser.get(f"{console}/login", timeout=10).text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page)
                answer = browser.post(f"{console}/login", timeout=30, allow_redirects=False,
                                      data={"username": victim, "password": secrets.token_hex(8),
                                            "csrf_token": token.group(1) if token else ""})
                if answer.status_code == 429:
                    return None if attempt <= 21 else f"only throttled at guess {attempt}"
        return "30 wrong passwords in a row were all answered"

    probe.check("Console: password guessing is throttled (429)", guessing)


def backend_checks(probe: Probe, backend: str) -> None:
    """GeoReport v2: reads public, writes need the key; odd ids are a clean 404."""
    probe.check("Backend: Open311 service list is public (JSON)",
                lambda: _status_is(requests.get(f"{backend}/open311/v2/services.json", timeout=10), 200))
    probe.check("Backend: Open311 service list is public (XML)",
                lambda: _status_is(requests.get(f"{backend}/open311/v2/services.xml", timeout=10), 200))
    probe.check("Backend: creating an Open311 request without the key is refused",
                lambda: _status_is(requests.post(f"{backend}/open311/v2/requests.json",
                                                 data={"service_code": "pothole", "lat": 51.5, "long": -0.1},
                                                 timeout=10), 403))
    probe.check("Backend: an Open311 id of '\u00b2' is a clean 404",
                lambda: _status_is(requests.get(f"{backend}/open311/v2/requests/\u00b2.json", timeout=10), 404))
    probe.check("Backend: the council's other APIs need the key",
                lambda: _status_is(requests.get(f"{backend}/services", timeout=10), 401, 403))


def _status_is(answer: requests.Response, *expected: int) -> str | None:
    return None if answer.status_code in expected else f"HTTP {answer.status_code}: {answer.text[:120]!r}"


def probe_account(username: str | None) -> tuple[str, str]:
    """The console account for the sign-in check: given (password on stdin), or a new viewer account."""
    if username:
        return username, sys.stdin.readline().rstrip("\n")
    username, password = f"probe-{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(24)
    subprocess.run([sys.executable, "-m", "staff_console", "create-user", "--username", username, "--role", "viewer",
                    "--password-stdin"], input=password + "\n", text=True, check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
    print(f"(created console account {username}, role viewer, with a random password, for the sign-in check)")
    return username, password


def main(argv: list[str] | None = None) -> int:
    """Probe every service of the stack; exit 1 when any check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("rasa", 5005), ("actions", 5055), ("backend", 8080), ("chat", 8000), ("voice", 5100),
                          ("console", 5200), ("demo", 8090)):
        parser.add_argument(f"--{name}-port", type=int, default=int(os.environ.get(f"{name.upper()}_PORT", default)))
    parser.add_argument("--console-user", help="an existing console account (its password on standard input)")
    args = parser.parse_args(argv)
    ports = {name: getattr(args, f"{name}_port") for name in
             ("rasa", "actions", "backend", "chat", "voice", "console", "demo")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    print(f"Probing the stack on {socket.gethostname()} ...")
    probe = Probe()
    for name, port in ports.items():
        def loopback_only(port: int = port) -> str | None:
            addresses = {address for address, _ in listening(port)}
            if not addresses:
                return "nothing listens (is `make run` running?)"
            return None if addresses <= LOOPBACK else f"also listens on {sorted(addresses - LOOPBACK)}"
        probe.check(f"Listener: {name} (port {port}) on loopback only", loopback_only)
    rasa_checks(probe, url["rasa"])
    actions_check(probe, url["actions"])
    voice_checks(probe, url["voice"])
    console_checks(probe, url["console"], *probe_account(args.console_user))
    backend_checks(probe, url["backend"])
    print(f"\n{len(probe.failures)} check(s) failed" if probe.failures else "\nEvery check passed.")
    return 1 if probe.failures else 0


if __name__ == "__main__":
    sys.exit(main())
