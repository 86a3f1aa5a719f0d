"""The console driven in headless Chromium: sign in, correct a message in the inbox, watch it leave the inbox."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from tests.staff_console.conftest import PASSWORD, make_console
from tests.web_chat.test_page_in_browser import Browser


class ConsoleServer:
    """The console on a real loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def go(browser: Browser, url: str) -> None:
    browser.send("Emulation.setDeviceMetricsOverride", width=1100, height=900, deviceScaleFactor=1, mobile=False)
    browser.eval("window.__old = true")
    browser.send("Page.navigate", url=url)
    new_page(browser)


def new_page(browser: Browser) -> None:
    """Wait until a new page has replaced the one marked with ``window.__old``."""
    browser.wait_for("!window.__old && document.readyState === 'complete'")


def type_into(browser: Browser, selector: str, text: str) -> None:
    browser.eval(f"document.querySelector({selector!r}).focus()")
    browser.eval(f"document.querySelector({selector!r}).select && document.querySelector({selector!r}).select()")
    browser.send("Input.insertText", text=text)


def test_staff_sign_in_and_correct_a_message_in_the_inbox(tmp_path, fake_tracker, data_copy):
    app, _ = make_console(tmp_path, fake_tracker, data_copy)
    server = ConsoleServer(app)
    browser = Browser()
    try:
        go(browser, server.url + "/inbox")
        browser.wait_for("!!document.getElementById('login-form')")  # anonymous: the login page
        type_into(browser, "#username", "editor")
        type_into(browser, "#password", PASSWORD)
        browser.eval("window.__old = true; document.getElementById('sign-in').click()")
        new_page(browser)
        assert browser.eval("location.pathname") == "/inbox"
        assert "jo.bloggs" not in browser.eval("document.body.innerText")
        # Mark one of the gym questions out of scope.
        selector = "li.message:has(.text:is(:not(:empty)))"
        texts = browser.eval(f"Array.from(document.querySelectorAll({selector!r})).map(m => m.querySelector('.text')"
                             ".innerText)")
        index = next(i for i, t in enumerate(texts) if "gym membership" in t)
        browser.eval(f"window.__old = true; document.querySelectorAll({selector!r})[{index}]"
                     ".querySelector('button.oos').click()")
        new_page(browser)
        assert "Saved (written)" in browser.eval("document.querySelector('.flash').innerText")
        remaining = browser.eval("Array.from(document.querySelectorAll('li.message .text')).map(t => t.innerText)")
        assert sum("gym membership" in t for t in remaining) == len([t for t in texts if "gym membership" in t]) - 1
        # A relabel with another intent, typed into the intent box.
        index = next(i for i, t in enumerate(remaining) if "<email>" in t)
        item = f"document.querySelectorAll('li.message')[{index}]"
        browser.eval(f"{item}.querySelector('.intent-choice').value = 'contact_council'")
        browser.eval(f"window.__old = true; {item}.querySelector('button.relabel').click()")
        new_page(browser)
        assert "gym membership" in (data_copy / "out_of_scope_council.yml").read_text()
        assert "my email is <email>" in (data_copy / "contact.yml").read_text()
        go(browser, server.url + "/insights")
        assert browser.eval("document.querySelectorAll('svg.chart').length") >= 4
    finally:
        browser.close()
        server.stop()
