"""The words of a message that carry its meaning, for the parts that ask whether a message names anything.

No Rasa import, so the action server can use it as cheaply as the NLU pipeline does.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def content_words(text: str) -> list[str]:
    """Lower-case words of letters, without spaCy's English stop words ("how much is it?" has none)."""
    return [word for word in _WORD.findall(text.lower()) if len(word) > 1 and word not in STOP_WORDS]
