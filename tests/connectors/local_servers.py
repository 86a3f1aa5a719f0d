"""Tiny real HTTP servers for failures the backend never produces and for other GeoReport v2 servers."""

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def local_server(respond):
    """Serve `respond(handler)` on a free local port; yields the base URL.

    A tiny real HTTP server, for failures the backend never produces (slow answers, 5xx, bad JSON)
    and for checking the Open311 client against another GeoReport v2 server.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            respond(self)

        def do_POST(self):
            respond(self)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send(handler, status, body, content_type="application/json"):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def sleeping(seconds):
    def respond(handler):
        time.sleep(seconds)
        try:
            send(handler, 200, [])
        except OSError:
            pass  # the client gave up, as it should

    return respond
