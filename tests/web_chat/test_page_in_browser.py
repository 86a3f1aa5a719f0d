"""The chat page driven in headless Chromium through Selenium; fails when Chromium or its driver is absent.

Screenshots of the page at 320 px and 400 px wide are kept in results/screenshots/.
"""

from __future__ import annotations

import re
import threading

import pytest
from selenium.webdriver.common.keys import Keys
from werkzeug.serving import make_server

from tests.browser import Browser as SeleniumBrowser
from web_chat.server import WebChatSettings, create_app


class ChatServer:
    """The chat app on a real loopback port, in a thread."""

    def __init__(self, rasa_url: str) -> None:
        self.server = make_server("127.0.0.1", 0, create_app(WebChatSettings(rasa_url=rasa_url)), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Browser(SeleniumBrowser):
    """The shared Selenium browser, with the chat page's own gestures."""

    def open(self, url: str, width: int = 400, height: int = 700) -> None:  # type: ignore[override]
        self.resize(width, height)
        super().open(url, "document.readyState === 'complete' && !!document.querySelector('.message--bot')")

    def eval(self, expression: str):
        return self.js(expression)

    def press(self, key: str) -> None:
        """Press a key on whatever has the focus, as a keyboard would."""
        self.driver.switch_to.active_element.send_keys(key)

    def type_and_enter(self, text: str) -> None:
        self.eval("document.getElementById('message').focus()")
        self.driver.switch_to.active_element.send_keys(text + Keys.ENTER)


@pytest.fixture(scope="module")
def browser():
    chromium = Browser(400, 700)
    yield chromium
    chromium.close()


@pytest.fixture
def chat(fake_rasa):
    server = ChatServer(fake_rasa.url)
    yield server
    server.stop()


def transcript_texts(browser: Browser) -> list[str]:
    return browser.eval("Array.from(document.querySelectorAll('#transcript .message')).map(m => m.innerText.trim())")


def test_keyboard_reaches_every_control_in_a_sensible_order(browser, chat):
    browser.open(chat.url)
    order = []
    for _ in range(5):
        browser.press(Keys.TAB)
        order.append(browser.eval("document.activeElement.id || document.activeElement.className"))
    assert order == ["skip-link", "restart", "transcript", "message", "send"]


def test_page_fits_320_px_without_sideways_scrolling(browser, chat):
    browser.open(chat.url, width=320, height=640)
    browser.type_and_enter("when is my bin day")
    browser.wait_for("document.querySelectorAll('.choices button').length === 3")
    assert browser.eval("document.documentElement.scrollWidth") <= 320
    browser.screenshot("chat-320.png")


def test_typed_message_is_answered_with_links_and_real_buttons(browser, chat, fake_rasa):
    browser.open(chat.url)
    browser.type_and_enter("when is my bin day")
    browser.wait_for("document.querySelectorAll('.choices button').length === 3")
    assert browser.eval("document.getElementById('message').value") == ""
    texts = transcript_texts(browser)
    assert texts[1] == "You said: when is my bin day" or texts[1].endswith("when is my bin day")
    link = browser.eval(
        "(() => { const a = document.querySelector('.message--bot a');"
        " return [a.getAttribute('href'), a.textContent, a.rel]; })()"
    )
    assert link == [
        "https://www.fernbridge.gov.uk/bins",
        "collection calendar (opens in a new tab)",
        "noopener noreferrer",
    ]
    sender = browser.eval("sessionStorage.getItem('councilAssistant.sender')")
    assert re.fullmatch(r"web-[0-9a-f]{32}", sender)
    assert fake_rasa.received[-1] == {"sender": sender, "message": "when is my bin day"}


def test_choice_sends_its_payload_and_shows_its_title(browser, chat, fake_rasa):
    browser.open(chat.url)
    browser.type_and_enter("bin day please")
    browser.wait_for("document.querySelectorAll('.choices button').length === 3")
    browser.eval("document.querySelector('.choices button').focus()")
    browser.press(Keys.ENTER)  # keyboard, not a mouse
    browser.wait_for("document.querySelectorAll('.message--bot strong').length > 0")
    assert fake_rasa.received[-1]["message"] == '/inform{"uprn": "100090000001"}'
    texts = transcript_texts(browser)
    assert texts[-2].endswith("1 Mill Lane") and "uprn" not in texts[-2]
    assert browser.eval("Array.from(document.querySelectorAll('.choices button')).every(b => b.disabled)")
    assert browser.eval("document.activeElement.id") == "message"
    browser.screenshot("chat-400.png")


def test_html_in_bot_text_is_shown_not_run(browser, chat):
    browser.open(chat.url)
    browser.type_and_enter("__xss")
    browser.wait_for("document.querySelectorAll('.message--bot').length === 2")
    assert browser.eval("window.__pwned === undefined")
    assert browser.eval("document.querySelectorAll('#transcript img, #transcript script').length") == 0
    hrefs = browser.eval("Array.from(document.querySelectorAll('#transcript a')).map(a => a.getAttribute('href'))")
    assert hrefs == ["https://www.fernbridge.gov.uk/bins"]  # no javascript: link, full stop left outside
    assert "<img src=x" in transcript_texts(browser)[-1]


def test_empty_message_is_not_sent(browser, chat, fake_rasa):
    browser.open(chat.url)
    browser.type_and_enter("    ")
    browser.pause(0.3)
    assert fake_rasa.received == []
    assert len(transcript_texts(browser)) == 1


def test_assistant_error_is_explained_and_typed_text_kept(browser, chat):
    browser.open(chat.url)
    browser.type_and_enter("__status_500")
    alert = browser.wait_for("!document.getElementById('error').hidden && document.getElementById('error').textContent")
    assert "error 502" in alert and "still in the message box" in alert
    assert browser.eval("document.getElementById('message').value") == "__status_500"
    assert len(transcript_texts(browser)) == 1  # the unsent message is not shown as sent


def test_unreachable_chat_server_is_explained_and_typed_text_kept(browser, fake_rasa):
    server = ChatServer(fake_rasa.url)
    browser.open(server.url)
    server.stop()
    browser.type_and_enter("is the tip open on sunday")
    alert = browser.wait_for("!document.getElementById('error').hidden && document.getElementById('error').textContent")
    assert "could not reach" in alert
    assert browser.eval("document.getElementById('message').value") == "is the tip open on sunday"
    browser.screenshot("chat-error.png")


def test_transcript_survives_a_reload_and_start_again_begins_a_new_conversation(browser, chat):
    browser.open(chat.url)
    browser.type_and_enter("hello")
    browser.wait_for("document.querySelectorAll('.message--bot').length === 2")
    sender = browser.eval("sessionStorage.getItem('councilAssistant.sender')")
    browser.open(chat.url)
    assert transcript_texts(browser)[-1].endswith("You said: hello")
    assert browser.eval("sessionStorage.getItem('councilAssistant.sender')") == sender
    browser.eval("document.getElementById('restart').click()")
    assert len(transcript_texts(browser)) == 1
    assert browser.eval("sessionStorage.getItem('councilAssistant.sender')") != sender
    assert browser.eval("document.activeElement.id") == "message"


def test_resident_can_say_the_newest_answer_did_not_help(browser, chat, fake_rasa):
    browser.open(chat.url)
    assert browser.eval("document.querySelectorAll('.feedback button').length") == 0  # not under the welcome
    browser.type_and_enter("hello")
    browser.wait_for("document.querySelectorAll('.message--bot').length === 2")
    browser.type_and_enter("is the tip open")
    browser.wait_for("document.querySelectorAll('.message--bot').length === 3")
    buttons = browser.eval("Array.from(document.querySelectorAll('.feedback button')).map(b => b.textContent)")
    assert buttons == ["This didn\u2019t help"]  # one, under the newest answer only
    browser.eval("document.getElementById('message').value = 'half typed'")
    browser.eval("document.querySelector('.feedback button').focus()")
    browser.press(Keys.ENTER)
    browser.wait_for("document.querySelectorAll('.message--bot').length === 4")
    assert fake_rasa.received[-1]["message"] == "/not_helpful"
    assert transcript_texts(browser)[-2].endswith("That didn\u2019t help")
    assert browser.eval("document.querySelectorAll('.feedback').length") == 0
    assert browser.eval("document.getElementById('message').value") == "half typed"  # nothing typed is lost


def test_chat_page_has_no_wcag_violation_on_arrival_or_with_choices_shown(browser, chat):
    browser.open(chat.url)
    browser.assert_accessible("chat page on arrival")
    browser.type_and_enter("when is my bin day")
    browser.wait_for("document.querySelectorAll('.choices button').length === 3")
    browser.assert_accessible("chat page with address buttons shown")


def test_phone_numbers_in_answers_are_tel_links_and_references_are_not(browser, chat):
    browser.open(chat.url)
    browser.type_and_enter("call 01632 960000 or 999, reference MB-000123, UPRN 100090000001")
    browser.wait_for("document.querySelectorAll('.message--bot').length === 2")
    hrefs = browser.eval("Array.from(document.querySelectorAll('.message--bot a')).map(a => a.getAttribute('href'))")
    assert hrefs == ["tel:01632960000", "tel:999"]
