"""Postcodes and references as a smart speaker hears them ("f b one two a a", "one oh two three one"), as written.

Alexa transcribes a spelt-out code word by word, so Rasa's entity ruler, which knows "FB1 2AA" and "10231", never
sees one. Used by the skill for a bare answer and by Rasa's voice channel for codes inside a sentence ("bin day for
f b one two a a", "planning application two four slash zero one two three four slash f u l"). Plain Python: the
voice channel runs inside Rasa.
"""

from __future__ import annotations

import re

from councils.postcode import canonical_postcode

DIGIT_WORDS = {"zero": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
MIN_CODE_DIGITS = 4  # fewer spoken digits are a count or a house number ("two bins", "number one two")
LONGEST_POSTCODE_WORDS = 9  # "f b one two double a" and the like, with room for "double"
_PUNCTUATION = re.compile(r"[.,]")
# Single letters that are also words: not part of a code at its edges ("... three one i think").
_WORD_LETTERS = frozenset({"a", "i"})


def spoken_postcode(text: str) -> str | None:
    """A UK postcode from how Alexa hears it ("f b one two a a", "FB1 2AA", "f. b. 1 2 double a"), else None."""
    tokens = _PUNCTUATION.sub(" ", text.lower()).split()
    if tokens[:2] in (["my", "postcode"], ["the", "postcode"]):
        tokens = tokens[3:] if len(tokens) > 2 and tokens[2] == "is" else tokens[2:]
    joined, double = "", False
    for token in tokens:
        if token == "double":
            double = True
            continue
        piece = DIGIT_WORDS.get(token, token)
        if not piece.isalnum() or len(piece) > 4:
            return None
        joined += piece * 2 if double and len(piece) == 1 else piece
        double = False
    return canonical_postcode(joined.upper())


def _code_piece(token: str) -> str | None:
    """One spoken token of a reference as written: a digit, a letter or digits; None when it is a word."""
    piece = DIGIT_WORDS.get(token) or ("0" if token == "oh" else token)
    return piece if piece.isdigit() or (len(piece) == 1 and piece.isalpha()) else None


def _joined(tokens: list[str]) -> str | None:
    """Spoken code tokens as written ("double a" is "AA"); None when one of them is a word."""
    joined, double = "", False
    for token in tokens:
        if token == "double":
            double = True
            continue
        piece = _code_piece(token)
        if piece is None:
            return None
        joined += piece * 2 if double and len(piece) == 1 else piece
        double = False
    return joined.upper()


def _digits(code: str) -> int:
    return sum(ch.isdigit() for ch in code)


def spoken_code(text: str) -> str | None:
    """A reference spoken digit by digit as written, so Rasa's entity ruler knows it; else None.

    "one oh two three one" -> "10231", "m b zero zero zero one two three" -> "MB000123".
    """
    tokens = _PUNCTUATION.sub(" ", text.lower()).split()
    code = _joined(tokens)
    return code if code and _digits(code) >= MIN_CODE_DIGITS and len(tokens) > 1 else None


def _slashed_code(tokens: list[str]) -> str | None:
    """A run of code tokens, parts split by "slash" ("two four slash ... slash f u l" -> "24/01234/FUL")."""
    parts, current = [], []
    for token in [*tokens, "slash"]:
        if token != "slash":
            current.append(token)
            continue
        part = _joined(current) if current else None
        if not part:
            return None
        parts.append(part)
        current = []
    code = "/".join(parts)
    return code if _digits(code) >= MIN_CODE_DIGITS else None


def _is_code_token(token: str) -> bool:
    return token in {"double", "slash"} or _code_piece(token) is not None


def codes_in_words(text: str) -> str:
    """The text with every spelt-out postcode or reference written as one code; unchanged when it has none."""
    tokens = _PUNCTUATION.sub(" ", text).split()
    lowered = [token.lower() for token in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        postcode_end = next((end for end in range(min(len(tokens), i + LONGEST_POSTCODE_WORDS), i + 2, -1)
                             if all(_is_code_token(t) for t in lowered[i:end])
                             and spoken_postcode(" ".join(lowered[i:end]))), None)
        if postcode_end is not None:
            out.append(spoken_postcode(" ".join(lowered[i:postcode_end])) or "")
            i = postcode_end
            continue
        end = i
        while end < len(tokens) and _is_code_token(lowered[end]):
            end += 1
        start, stop = i, end
        while start < stop and lowered[start] in _WORD_LETTERS | {"double", "slash"}:
            start += 1
        while stop > start and lowered[stop - 1] in _WORD_LETTERS | {"double", "slash"}:
            stop -= 1
        code = _slashed_code(lowered[start:stop]) if stop - start > 1 else None
        if code:
            out.extend([*tokens[i:start], code, *tokens[stop:end]])
            i = end
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out) if out != tokens else text
