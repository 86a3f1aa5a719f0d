"""A fictional council's own web pages with the chat widget embedded, to see the widget at work (`make run`).

It is served from its own origin, as a council's site would be, and sends a Content Security Policy of the
kind README.md asks a council's pages to allow, so the demonstration proves that policy is enough.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, redirect

HERE = Path(__file__).resolve().parent
# Paths as on the council's real site (the profile's links), so the assistant knows which page a question is from.
PAGES = {"/bins/collection-days": ("Bins and recycling", "bins.html"),
         "/bins/garden-waste": ("Garden waste collections", "garden-waste.html")}


def host_page_policy(widget_src: str, socket_url: str) -> str:
    """The Content Security Policy a council's page needs for the widget, besides its own sources."""
    assistant = "{0.scheme}://{0.netloc}".format(urlsplit(widget_src))
    socket = urlsplit(socket_url)
    websocket = f"{'wss' if socket.scheme == 'https' else 'ws'}://{socket.netloc}"
    return (
        f"default-src 'self'; script-src 'self' {assistant}; style-src 'self' {assistant}; "
        f"connect-src 'self' {assistant} {socket.scheme}://{socket.netloc} {websocket}; img-src 'self' data: https:; "
        "object-src 'none'; base-uri 'self'"
    )


def create_app(widget_src: str, socket_url: str, council: str = "fernbridge") -> Flask:
    """The demonstration site, embedding the widget from `widget_src`; the widget talks to `socket_url`."""
    app = Flask(__name__, static_folder=None)
    shell = (HERE / "page.html").read_text(encoding="utf-8")
    policy = host_page_policy(widget_src, socket_url)

    def page(path: str) -> Response:
        if path not in PAGES:
            abort(404)
        title, body = PAGES[path]
        html = shell.format(title=title, widget_src=widget_src, council=council,
                            body=(HERE / body).read_text(encoding="utf-8"))
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = policy
        return response

    app.add_url_rule("/", "home", lambda: redirect("/bins/collection-days"))
    for path in PAGES:
        app.add_url_rule(path, path, lambda path=path: page(path))
    app.add_url_rule("/site.css", "css", lambda: Response((HERE / "site.css").read_bytes(), mimetype="text/css"))
    app.add_url_rule("/site.js", "js",
                     lambda: Response((HERE / "site.js").read_bytes(), mimetype="text/javascript"))
    app.add_url_rule("/health", "health", lambda: {"status": "ok"})
    return app
