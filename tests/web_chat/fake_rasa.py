"""A tiny stand-in for Rasa's REST channel, for the chat page's tests, screenshots and bench/latency.py.

Run it by hand with `python tests/web_chat/fake_rasa.py --port 5005`. It echoes every message, except:
a message mentioning "bin" gets a reply with links and address buttons; `__status_500` gets HTTP 500;
`__slow` sleeps `slow_seconds`; `__not_json` gets a plain-text 200; `__empty` gets `[]`; `__xss` gets
text full of HTML and a `javascript:` link.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEBHOOK = "/webhooks/rest/webhook"

XSS_TEXT = (
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> '
    "[click me](javascript:window.__pwned=3) but https://www.fernbridge.gov.uk/bins. is fine"
)


def scripted_reply(sender: str, message: str) -> list[dict]:
    """Answer one message as the fake assistant would."""
    if message == "__empty":
        return []
    if message == "__xss":
        return [{"recipient_id": sender, "text": XSS_TEXT}]
    if message.startswith('/inform{"uprn"'):
        return [
            {
                "recipient_id": sender,
                "text": "**1 Mill Lane**: your general waste (black bin) is collected every Tuesday. "
                "The next collection is on Tuesday 8 December.",
            }
        ]
    if "bin" in message.lower():
        return [
            {
                "recipient_id": sender,
                "text": "I can find your bin day. You can also see the "
                "[collection calendar](https://www.fernbridge.gov.uk/bins) online.",
            },
            {
                "recipient_id": sender,
                "text": "Which address is yours?",
                "buttons": [
                    {"title": "1 Mill Lane", "payload": '/inform{"uprn": "100090000001"}'},
                    {"title": "3 Mill Lane", "payload": '/inform{"uprn": "100090000002"}'},
                    {"title": "My address is not listed", "payload": "/change_address"},
                ],
            },
        ]
    return [{"recipient_id": sender, "text": f"You said: {message}"}]


class FakeRasa:
    """A real HTTP server on a free loopback port, answering like Rasa's REST channel."""

    def __init__(self, port: int = 0, delay_seconds: float = 0.0, slow_seconds: float = 2.0) -> None:
        self.delay_seconds = delay_seconds
        self.slow_seconds = slow_seconds
        self.received: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/":
                    self._send(200, b"Hello from Rasa: 3.6.21 (fake)", "text/plain")
                elif self.path == "/version":
                    self._send(200, json.dumps({"version": "3.6.21"}).encode())
                else:
                    self._send(404, b'{"error": "not_found"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path != WEBHOOK:
                    self._send(404, b'{"error": "not_found"}')
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._send(400, b'{"error": "bad_json"}')
                    return
                fake.received.append(body)
                sender, message = str(body.get("sender")), str(body.get("message"))
                if fake.delay_seconds:
                    time.sleep(fake.delay_seconds)
                if message == "__status_500":
                    self._send(500, b'{"error": "boom"}')
                elif message == "__slow":
                    time.sleep(fake.slow_seconds)
                    self._send(200, json.dumps(scripted_reply(sender, message)).encode())
                elif message == "__not_json":
                    self._send(200, b"<html>not json</html>", "text/html")
                else:
                    self._send(200, json.dumps(scripted_reply(sender, message)).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> FakeRasa:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="added to every answer")
    args = parser.parse_args()
    fake_rasa = FakeRasa(args.port, delay_seconds=args.delay_ms / 1000)
    print(f"fake Rasa on {fake_rasa.url}", flush=True)
    try:
        fake_rasa.server.serve_forever()
    except KeyboardInterrupt:
        pass
