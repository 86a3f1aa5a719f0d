"""The widget on a council's page of another origin, in headless Chromium, against the real assistant.

A resident opens it by keyboard, asks for the bin day, picks an address with the keyboard, goes to a second
page and carries on; axe-core checks every step. Screenshots at 320 px and 1280 px are kept in
results/screenshots/. rasa-webchat, installed from npm, holds a conversation through the same channel.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask, Response
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from tests.browser import Browser, npm_packages
from tests.conftest import RunningStack, free_port
from web_chat.demo_site import create_app as create_demo_site
from web_chat.server import WebChatSettings, create_app

SHADOW = "document.querySelector('[data-council-assistant]').shadowRoot"
FOCUSED = f"({SHADOW}.activeElement || {{}})"
BOT_TEXTS = f"Array.from({SHADOW}.querySelectorAll('.message--bot .message__text')).map(p => p.textContent)"
WEBCHAT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rasa-webchat test page</title></head>
<body><main><h1>rasa-webchat</h1><div id="webchat"></div></main>
<script src="/webchat/index.js"></script>
<script>
WebChat.default({selector: "#webchat", initPayload: "/greet", socketUrl: "%s", socketPath: "/socket.io/",
  title: "Council", embedded: true, params: {storage: "session"}}, null);
</script></body></html>"""


class Served:
    """A WSGI app on a real loopback port, in a thread."""

    def __init__(self, app, port: int = 0) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def webchat_app(rasa_url: str) -> Flask:
    """rasa-webchat's own bundle from npm, unchanged, on a page of its own."""
    bundle = (npm_packages() / "rasa-webchat" / "lib" / "index.js").read_bytes()
    app = Flask(__name__)
    app.add_url_rule("/", "page", lambda: Response(WEBCHAT_PAGE % rasa_url, mimetype="text/html"))
    app.add_url_rule("/index.js", "bundle", lambda: Response(bundle, mimetype="text/javascript"))
    return app


@pytest.fixture(scope="module")
def sites(running_stack: RunningStack):
    """The chat server (the assistant's origin) and a council site on the origin Rasa was told to allow."""
    page_origin = f"http://127.0.0.1:{running_stack.page_port}"
    chat = Served(create_app(WebChatSettings(rasa_url=running_stack.rasa_url, extra_origins=(page_origin,))))
    demo = create_demo_site(f"{chat.url}/widget.js", running_stack.rasa_url)
    council_site = Served(DispatcherMiddleware(demo, {"/webchat": webchat_app(running_stack.rasa_url)}),
                          running_stack.page_port)
    yield chat, council_site
    council_site.stop()
    chat.stop()


@pytest.fixture
def browser():
    chromium = Browser(1280, 900)
    yield chromium
    chromium.close()


def keys(browser: Browser, *pressed: str) -> None:
    """Type on whatever has the focus, as a keyboard does (no element is clicked or focused by script)."""
    ActionChains(browser.driver).send_keys(*pressed).perform()


def wait_for_widget(browser: Browser) -> None:
    browser.wait_for("!!document.querySelector('[data-council-assistant]') && "
                     "!document.querySelector('[data-council-assistant]').hidden")


def settled(browser: Browser) -> None:
    """Wait for the dialog's opening animation to end, so axe-core measures the colours as they stay."""
    browser.wait_for(f"{SHADOW}.querySelector('.dialog').getAnimations().length === 0")


def tab_to(browser: Browser, condition: str, backwards: bool = False, limit: int = 25) -> None:
    """Press Tab (or Shift+Tab) until the condition on the focused element holds."""
    for _ in range(limit):
        if browser.js(condition):
            return
        keys(browser, *((Keys.SHIFT, Keys.TAB, Keys.SHIFT) if backwards else (Keys.TAB,)))
    raise AssertionError(f"Tab never reached: {condition}")


def say(browser: Browser, text: str, replies_before: int) -> list[str]:
    keys(browser, text, Keys.ENTER)
    browser.wait_for(f"{BOT_TEXTS}.length > {replies_before} && {SHADOW}.querySelector('.dialog__status')"
                     ".textContent === ''", timeout=60)
    return browser.js(BOT_TEXTS)


def test_resident_uses_the_widget_by_keyboard_across_two_pages(sites, browser, running_stack):
    chat, council_site = sites
    browser.open(council_site.url + "/bins/collection-days")
    wait_for_widget(browser)
    assert browser.js("typeof window.io") == "undefined"  # the page's globals are its own
    assert browser.js("document.documentElement.dataset.siteScript") == "ran"
    assert browser.js("getComputedStyle(document.querySelector('h1')).fontFamily").startswith("Georgia")
    browser.assert_accessible("host page, widget closed")
    browser.screenshot("widget-closed-1280.png")

    tab_to(browser, f"{FOCUSED}.className === 'launcher'")
    assert browser.js(f"{SHADOW}.querySelector('.launcher').getAttribute('aria-expanded')") == "false"
    keys(browser, Keys.ENTER)
    browser.wait_for(f"{FOCUSED}.id === 'ca-message'")  # focus moved into the dialog
    settled(browser)
    assert browser.js(f"{SHADOW}.querySelector('[role=dialog]').hidden") is False
    browser.assert_accessible("widget open")

    texts = say(browser, "when is my bin day", 1)
    assert "postcode" in texts[-1].lower()
    texts = say(browser, "FB1 2AA", len(texts))
    browser.wait_for(f"{SHADOW}.querySelectorAll('.choices button').length >= 2")
    browser.assert_accessible("widget mid-conversation with address buttons")
    browser.screenshot("widget-buttons-1280.png")

    tab_to(browser, f"{FOCUSED}.textContent === '1 Mill Lane, Fernbridge'", backwards=True)
    keys(browser, Keys.ENTER)
    browser.wait_for(f"{BOT_TEXTS}.some(t => t.includes('Wednesday 2 December'))", timeout=60)
    chosen = browser.js(f"Array.from({SHADOW}.querySelectorAll('.button--chosen')).map(b => "
                        "[b.textContent, b.getAttribute('aria-pressed'), getComputedStyle(b).color])")
    assert chosen == [["1 Mill Lane, Fernbridge (your choice)", "true", "rgb(11, 12, 12)"]]  # readable after use
    browser.wait_for(f"{FOCUSED}.id === 'ca-message'")
    live_regions = f"Array.from({SHADOW}.querySelectorAll('[aria-live], [role=status], [role=log]'))"
    browser.wait_for(f"{live_regions}.some(e => e.textContent.includes('1 Mill Lane'))")
    live = browser.js(f"{live_regions}.map(e => e.textContent)")
    assert len(live) == 1 and live[0].startswith("Council assistant said:") and "1 Mill Lane" in live[0]
    session_id = browser.js("JSON.parse(localStorage.getItem('councilAssistant.widget.fernbridge')).sessionId")
    said = [e for e in running_stack.tracker(session_id)["events"] if e["event"] == "user"]
    assert said[0]["metadata"]["page"]["url"] == council_site.url + "/bins/collection-days"
    assert said[0]["metadata"]["page"]["title"].startswith("Bins and recycling")

    browser.open(council_site.url + "/bins/garden-waste")  # the resident moves on; the conversation follows
    wait_for_widget(browser)
    assert browser.js(f"{SHADOW}.querySelector('[role=dialog]').hidden") is False
    settled(browser)
    texts = browser.js(BOT_TEXTS)
    assert any("Wednesday 2 December" in t for t in texts)
    browser.assert_accessible("second page, conversation carried on")
    first_tab = browser.driver.current_window_handle
    browser.driver.switch_to.new_window("tab")  # another tab of the same site, same conversation
    browser.open(council_site.url + "/bins/collection-days")
    wait_for_widget(browser)
    assert browser.js(BOT_TEXTS) == texts
    browser.driver.close()
    browser.driver.switch_to.window(first_tab)
    browser.run(f"{SHADOW}.getElementById('ca-message').focus()")
    texts = say(browser, "what's the council's phone number", len(texts))
    said = [e for e in running_stack.tracker(session_id)["events"] if e["event"] == "user"]
    assert said[-1]["text"] == "what's the council's phone number"
    assert said[-1]["metadata"]["page"]["url"] == council_site.url + "/bins/garden-waste"
    phones = browser.js(f"Array.from({SHADOW}.querySelectorAll('.message--bot a[href^=\"tel:\"]'))"
                        ".map(a => a.getAttribute('href'))")
    assert "tel:01632960000" in phones

    texts = say(browser, "how much is it?", len(texts))  # vague, but asked on the garden waste page
    assert "Garden waste is collected" in texts[-1]

    keys(browser, Keys.ESCAPE)
    browser.wait_for(f"{SHADOW}.querySelector('[role=dialog]').hidden && {FOCUSED}.className === 'launcher'")
    browser.resize(320, 640)
    keys(browser, Keys.ENTER)
    browser.wait_for(f"{FOCUSED}.id === 'ca-message'")
    settled(browser)
    assert browser.js("document.documentElement.scrollWidth") <= 320
    assert browser.js(f"{SHADOW}.querySelector('.dialog').getBoundingClientRect().width") <= 320
    browser.assert_accessible("widget open at 320 px")
    browser.screenshot("widget-open-320.png")

    tab_to(browser, f"{FOCUSED}.textContent === 'Start again'", backwards=True)
    keys(browser, Keys.ENTER)
    browser.wait_for(f"{BOT_TEXTS}.length === 1")
    assert browser.js("JSON.parse(localStorage.getItem('councilAssistant.widget.fernbridge')).sessionId") != session_id


def test_start_again_in_another_tab_is_followed_by_this_one(sites, browser, running_stack):
    _, council_site = sites
    browser.open(council_site.url + "/bins/collection-days")
    wait_for_widget(browser)
    browser.run(f"{SHADOW}.querySelector('.launcher').click()")
    browser.wait_for(f"{FOCUSED}.id === 'ca-message'")
    say(browser, "hello", 1)
    first_tab = browser.driver.current_window_handle
    browser.driver.switch_to.new_window("tab")
    browser.open(council_site.url + "/bins/garden-waste")
    wait_for_widget(browser)
    browser.run(f"Array.from({SHADOW}.querySelectorAll('button')).find(b => b.textContent === 'Start again').click()")
    fresh = browser.js("JSON.parse(localStorage.getItem('councilAssistant.widget.fernbridge')).sessionId")
    browser.driver.close()
    browser.driver.switch_to.window(first_tab)
    browser.wait_for(f"{BOT_TEXTS}.length === 1")  # the other tab's fresh start shows here too
    browser.run(f"{SHADOW}.getElementById('ca-message').focus()")
    texts = say(browser, "when is my bin day", 1)
    assert "postcode" in texts[-1].lower()
    said = [e["text"] for e in running_stack.tracker(fresh)["events"] if e["event"] == "user"]
    assert said == ["when is my bin day"]


def test_text_resized_to_200_percent_still_fits_the_dialog(sites):
    _, council_site = sites
    browser = Browser(1280, 900, font_size=32)  # Chromium's text size setting at twice its default
    try:
        resized_text_fits(browser, council_site)
    finally:
        browser.close()


def resized_text_fits(browser: Browser, council_site: Served) -> None:
    browser.open(council_site.url + "/bins/collection-days")
    wait_for_widget(browser)
    browser.run(f"{SHADOW}.querySelector('.launcher').click()")
    browser.wait_for(f"{FOCUSED}.id === 'ca-message'")
    assert browser.js(f"getComputedStyle({SHADOW}.querySelector('.message__text')).fontSize") == "32px"
    for part in (".dialog", ".composer", ".dialog__head"):
        assert browser.js(f"{SHADOW}.querySelector('{part}').scrollWidth <= "
                          f"{SHADOW}.querySelector('{part}').clientWidth"), part
    browser.screenshot("widget-text-200-percent-1280.png")


def test_reduced_motion_and_forced_colours_are_respected(sites, browser):
    _, council_site = sites
    browser.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-reduced-motion", "value": "reduce"}, {"name": "forced-colors", "value": "active"}]})
    browser.open(council_site.url + "/bins/collection-days")
    wait_for_widget(browser)
    browser.run(f"{SHADOW}.querySelector('.launcher').click()")
    assert browser.js(f"getComputedStyle({SHADOW}.querySelector('.dialog')).animationName") == "none"
    # every message keeps a visible edge when the system draws all colours
    assert browser.js(f"getComputedStyle({SHADOW}.querySelector('.message--bot')).borderTopStyle") == "solid"
    browser.screenshot("widget-forced-colours-1280.png")


def test_widget_refuses_to_run_on_a_site_that_is_not_the_councils(sites, browser):
    chat, _ = sites
    stranger = Served(create_demo_site(f"{chat.url}/widget.js", "http://127.0.0.1:9"), free_port())
    try:
        browser.open(stranger.url + "/")
        browser.pause(1.5)
        assert browser.js("document.querySelector('[data-council-assistant]')") is None
        assert browser.js("document.documentElement.dataset.siteScript") == "ran"  # the page itself is fine
    finally:
        stranger.stop()


def test_rasa_webchat_from_npm_holds_a_conversation_with_the_assistant(sites, browser):
    _, council_site = sites
    browser.open(council_site.url + "/webchat/")
    browser.wait_for("document.querySelectorAll('.rw-response').length > 0", timeout=60)  # its /greet answered
    box = browser.driver.find_element("css selector", ".rw-new-message")
    box.send_keys("when is my bin day", Keys.ENTER)
    browser.wait_for("Array.from(document.querySelectorAll('.rw-response')).some(r => /postcode/i.test(r.textContent))",
                     timeout=60)
    box.send_keys("FB1 2AA", Keys.ENTER)
    browser.wait_for("document.querySelectorAll('.rw-reply').length >= 2", timeout=60)
    browser.run("Array.from(document.querySelectorAll('.rw-reply')).find(r => r.textContent.includes('1 Mill Lane'))"
                ".click()")
    browser.wait_for("Array.from(document.querySelectorAll('.rw-response'))"
                     ".some(r => r.textContent.includes('Wednesday 2 December'))", timeout=60)
    browser.screenshot("rasa-webchat-1280.png")
