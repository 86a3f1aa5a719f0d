"""The console driven in headless Chromium: sign in, correct a message in the inbox, watch it leave the inbox."""

from __future__ import annotations

import threading

from selenium.webdriver.common.by import By
from werkzeug.serving import make_server

from tests.browser import Browser
from tests.staff_console.conftest import PASSWORD, make_console


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
    browser.resize(1100, 900)
    browser.open(url)


def new_page(browser: Browser) -> None:
    """Wait until a new page has replaced the one marked with ``window.__old``."""
    browser.wait_for("!window.__old && document.readyState === 'complete'")


def type_into(browser: Browser, selector: str, text: str) -> None:
    field = browser.driver.find_element(By.CSS_SELECTOR, selector)
    field.clear()
    field.send_keys(text)


def test_staff_sign_in_and_correct_a_message_in_the_inbox(tmp_path, fake_tracker, data_copy):
    app, _ = make_console(tmp_path, fake_tracker, data_copy)
    server = ConsoleServer(app)
    browser = Browser(1100, 900)
    try:
        go(browser, server.url + "/inbox")
        browser.wait_for("!!document.getElementById('login-form')")  # anonymous: the login page
        type_into(browser, "#username", "editor")
        type_into(browser, "#password", PASSWORD)
        browser.run("window.__old = true; document.getElementById('sign-in').click()")
        new_page(browser)
        assert browser.js("location.pathname") == "/inbox"
        assert "jo.bloggs" not in browser.js("document.body.innerText")
        # Mark one of the gym questions out of scope.
        selector = "li.message:has(.text:is(:not(:empty)))"
        texts = browser.js(f"Array.from(document.querySelectorAll({selector!r})).map(m => m.querySelector('.text')"
                             ".innerText)")
        index = next(i for i, t in enumerate(texts) if "gym membership" in t)
        browser.run(f"window.__old = true; document.querySelectorAll({selector!r})[{index}]"
                     ".querySelector('button.oos').click()")
        new_page(browser)
        assert "Saved (written)" in browser.js("document.querySelector('.flash').innerText")
        remaining = browser.js("Array.from(document.querySelectorAll('li.message .text')).map(t => t.innerText)")
        assert sum("gym membership" in t for t in remaining) == len([t for t in texts if "gym membership" in t]) - 1
        # A relabel with another intent, typed into the intent box.
        index = next(i for i, t in enumerate(remaining) if "<email>" in t)
        item = f"document.querySelectorAll('li.message')[{index}]"
        browser.js(f"{item}.querySelector('.intent-choice').value = 'contact_council'")
        browser.run(f"window.__old = true; {item}.querySelector('button.relabel').click()")
        new_page(browser)
        assert "gym membership" in (data_copy / "out_of_scope_council.yml").read_text()
        assert "my email is <email>" in (data_copy / "contact.yml").read_text()
        go(browser, server.url + "/insights")
        assert browser.js("document.querySelectorAll('svg.chart').length") >= 4
    finally:
        browser.close()
        server.stop()
