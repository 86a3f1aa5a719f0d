"""Rasa's messages for one turn -> one short SSML answer, spoken choices for buttons, and a card for the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_SPOKEN_CHARS = 600  # well under Alexa's 8000; residents hear the answer, the card keeps the long version
MAX_SPOKEN_CHOICES = 5
NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`|~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_ASIDE = re.compile(r"\s*\(\s*([^()]*?)\s*\)")
_COMMA_BEFORE_STOP = re.compile(r",\s*(?=[.?!,;:]|$)")
# Telephone numbers as the council's answers write them: UK numbers of 10 or 11 digits starting 0 (spaces
# allowed: "01632 960000", "0808 2000 247"), the emergency numbers, the 116 helplines ("116 123"), a text
# short code after "text ... to" ("text SHOUT to 85258") and the keys to press on a call ("press 55").
_TELEPHONE = re.compile(
    r"(?<![\w/-])(?:0\d(?: ?\d){8,9}|999|112|111|116 ?\d{3})(?![\w/-])"
    r"|(?<=\btext )(?:[A-Za-z]+ )?to \d{5}(?![\w/-])"
    r"|(?<=\bpress )\d{1,2}(?![\w/-])"
)
_SAY_AS = '<say-as interpret-as="telephone">{}</say-as>'
_SSML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}


@dataclass
class Answer:
    """What Alexa says and shows for one turn."""

    ssml: str
    speech: str
    reprompt: str | None
    buttons: list[dict[str, str]] = field(default_factory=list)
    card_text: str | None = None
    links: list[str] = field(default_factory=list)


def escape_ssml(text: str) -> str:
    """Escape the five XML special characters so content can never break the SSML document."""
    return "".join(_SSML_ESCAPES.get(char, char) for char in text)


def find_links(text: str) -> list[str]:
    """The URLs in a text, in order, without trailing punctuation."""
    return [url.rstrip(".,;:!?") for url in _URL.findall(text)]


def speakable(text: str) -> str:
    """Plain sentences from chat text: no Markdown, no URLs, list items and lines become sentences."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _HEADING.sub("", text)
    text = _BULLET.sub("", text)
    text = _EMPHASIS.sub("", text)
    sentences = []
    for line in text.splitlines():
        line = re.sub(r"\s+", " ", line).strip(" :;,-")
        line = re.sub(r"\s+([.,;:!?])", r"\1", line)
        line = unbracket(line).strip()
        if not line:
            continue
        if line[-1] not in ".?!":
            line += "."
        sentences.append(line)
    return re.sub(r"\s+", " ", " ".join(sentences)).strip()


def unbracket(text: str) -> str:
    """Asides in brackets become asides in commas, since brackets mean nothing in speech.

    "tomorrow (Wednesday 2 December)." is spoken "tomorrow, Wednesday 2 December."; empty brackets (a URL
    removed) vanish.
    """
    text = _ASIDE.sub(lambda m: f", {m.group(1)}," if m.group(1) else "", text)
    return _COMMA_BEFORE_STOP.sub("", text).replace(",,", ",")


def telephone_ssml(escaped: str) -> str:
    """Wrap each telephone number of escaped speech in <say-as interpret-as="telephone">.

    The one place numbers are marked, so 999, 116 123 and the council's own numbers are read the same way
    (digit by digit, in their groups) in every answer, apology and re-prompt.
    """
    def wrap(match: re.Match[str]) -> str:
        number = match.group(0)
        if number.startswith(("to ", "TO ")) or " to " in number:  # "text SHOUT to 85258": only the number
            words, digits = number.rsplit(" ", 1)
            return f"{words} {_SAY_AS.format(digits)}"
        return _SAY_AS.format(number)

    return _TELEPHONE.sub(wrap, escaped)


def _choice_words(title: str) -> str:
    """A button's title as words inside a sentence: no closing mark, no capital ("Say one for when is it ...")."""
    words = speakable(title).rstrip(".?!")
    keep_capital = words[:2] in {"I ", "I'"} or words[:2].isupper()
    return words if keep_capital or not words else words[0].lower() + words[1:]


def spoken_choices(buttons: list[dict[str, Any]]) -> str:
    """"Say one for X, two for Y or three for Z." for the first few buttons."""
    titles = [_choice_words(str(b.get("title", ""))) for b in buttons[:MAX_SPOKEN_CHOICES]]
    parts = [f"{NUMBER_WORDS[i]} for {title}" for i, title in enumerate(titles) if title]
    if not parts:
        return ""
    if len(parts) == 1:
        return f"Say {parts[0]}."
    return f"Say {', '.join(parts[:-1])} or {parts[-1]}."


def shorten(speech: str, limit: int = MAX_SPOKEN_CHARS) -> tuple[str, bool]:
    """Cut speech at a sentence boundary under the limit; say whether anything was cut."""
    if len(speech) <= limit:
        return speech, False
    kept = ""
    for sentence in _SENTENCE_END.split(speech):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if not kept:  # one enormous sentence: cut at a word
        kept = speech[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "."
    return kept, True


def last_question(speech: str) -> str | None:
    """The last sentence that asks something, used to re-prompt a resident who says nothing."""
    questions = [s for s in _SENTENCE_END.split(speech) if s.endswith("?") or s.startswith("Say ")]
    return questions[-1] if questions else None


def render(messages: list[dict[str, Any]]) -> Answer:
    """Join all of a turn's messages into one answer; buttons become spoken choices, links a card."""
    spoken: list[str] = []
    card: list[str] = []
    links: list[str] = []
    buttons: list[dict[str, str]] = []
    for message in messages:
        text = str(message.get("text") or "")
        if text:
            spoken.append(speakable(text))
            card.append(text.strip())
            links.extend(find_links(text))
        for link in message.get("links") or []:  # links the voice variant's words leave out
            if isinstance(link, str) and link not in links:
                links.append(link)
                card.append(link)
        for button in message.get("buttons") or []:
            if isinstance(button, dict) and button.get("payload"):
                buttons.append({"title": str(button.get("title", "")), "payload": str(button["payload"])})
    speech = " ".join(s for s in spoken if s)
    if buttons:
        speech = f"{speech} {spoken_choices(buttons)}".strip()
    speech, cut = shorten(speech)
    card_text = "\n".join(card) if (links or cut) and card else None
    return Answer(
        ssml=ssml(speech),
        speech=speech,
        reprompt=last_question(speech),
        buttons=buttons,
        card_text=card_text,
        links=links,
    )


def ssml(text: str) -> str:
    """Plain speech as SSML: escaped, telephone numbers marked, wrapped in <speak>."""
    return f"<speak>{telephone_ssml(escape_ssml(text))}</speak>"
