"""Rank the A to Z's services against a resident's words with scikit-learn's TF-IDF.

Residents type like into a search box: a keyword ("bus pass"), a fragment ("rats garden"), a misspelling
("blue bage") or a whole question. Each service is described by its title and its `terms` (the residents'
words staff curate); every one of those phrases is a row of two TF-IDF matrices, one over words (exact
vocabulary, two-word phrases) and one over character n-grams within words (misspellings, plurals). A
service's score is the best cosine similarity of the message with any of its phrases, so a short query
that says exactly a term scores near 1 and a long question is not diluted by phrases it does not use.

The threshold and the mix of the two similarities were chosen on held-out resident queries by
`bench/directory_ranking.py`, which prints the figures; this module is their one home.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

# Both chosen by bench/directory_ranking.py on the `tune` half of bench/data/directory_queries.yml
# (best decision accuracy: the right service, or no answer for a message the directory does not cover).
THRESHOLD = 0.6
WORD_WEIGHT = 0.3  # the share of the word similarity; the rest is the character n-gram similarity
# A runner-up is offered as "Did you mean" only when it is itself nearly a plausible answer.
RUNNER_UP_THRESHOLD = 0.5
# Below THRESHOLD, when the classifier is sure the message is about a council service (intent council_service)
# the resident is offered the best few as buttons instead of "Sorry, I can't help". Set by judgement, not on
# held-out data: below it the best matches were mostly character n-gram noise in the messages tried.
SUGGEST_THRESHOLD = 0.35
SUGGESTIONS = 3
# A task's general answer ("register to vote") gives way to an A to Z service that names the resident's words
# better ("postal vote"): the service must score this much and beat the task's own service by the margin. Checked
# against the training examples of the information tasks: where it fires, the service is the more specific answer.
SPECIFIC_THRESHOLD = 0.8
SPECIFIC_MARGIN = 0.1
DIDNT_MATCH = None  # what `best` returns when nothing reaches the threshold

# Words of a question that say nothing about which service it is about. Kept short on purpose:
# scikit-learn's English list also drops words that name services ("empty", "bill", "fire", "call").
FILLER_WORDS = frozenset(
    """
    a about am an and any are as at be been can could did do does for from get give got have how i i'd i'm
    if im in is it it's its just know like me my need of on or our please she should so some tell than that
    the their them there they this to us want was we what whats when where which who why will with would
    you your hi hello hey thanks council fernbridge no not yes ok okay
    """.split()
)
_TOKEN = re.compile(r"[a-z0-9]+")
# A long message ("we've lived here ten years ... the tree outside is so big ...") buries its request in one
# clause; against a short phrase, the whole message's vector is diluted by the story. Its clauses are scored
# too, each clause's score averaged with the whole message's, and each service keeps its best.
LONG_MESSAGE_WORDS = 12
_CLAUSE_BREAK = re.compile(r"[.!?,;:()]+|\b(?:and|but|so|also|because|then)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped (can't -> cant), other punctuation to spaces, filler words removed."""
    lowered = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(word for word in _TOKEN.findall(lowered) if word not in FILLER_WORDS)


@dataclass(frozen=True)
class Match:
    """One ranked service: its position in the list given to the ranker, its id and the score (0 to 1)."""

    index: int
    service_id: str
    score: float


class DirectoryRanker:
    """Scores every service of a directory against a message; build once per version of the list."""

    def __init__(self, services: Sequence[Mapping[str, Any] | Any], word_weight: float = WORD_WEIGHT) -> None:
        """Index the services' titles and terms.

        Args:
            services: mappings or objects with `id`, `title` and `terms` (the directory as served).
            word_weight: share of the word similarity in the score (the rest is character n-grams).

        """
        self.service_ids = [str(_field(service, "id")) for service in services]
        phrases: list[str] = []
        owners: list[int] = []
        for index, service in enumerate(services):
            for phrase in _phrases(service):
                cleaned = normalise(phrase)
                if cleaned:
                    phrases.append(cleaned)
                    owners.append(index)
        self._owners = np.asarray(owners, dtype=int)
        self._word_weight = word_weight
        self._words = TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), token_pattern=r"[a-z0-9]+", sublinear_tf=True
        )
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self._word_rows = self._words.fit_transform(phrases) if phrases else None
        self._char_rows = self._chars.fit_transform(phrases) if phrases else None

    def scores(self, text: str) -> np.ndarray:
        """The score of every service (0 to 1), in the order the services were given; a long message's clauses too."""
        whole = self._scores(text)
        result = whole.copy()
        if len(text.split()) >= LONG_MESSAGE_WORDS:
            for clause in _CLAUSE_BREAK.split(text):
                if len(normalise(clause).split()) >= 2:
                    # a clause counts as much as the whole message: an aside ("the neighbours are lovely")
                    # that the rest of the story does not bear out stays below the request's clause
                    np.maximum(result, (whole + self._scores(clause)) / 2, out=result)
        return result

    def _scores(self, text: str) -> np.ndarray:
        result = np.zeros(len(self.service_ids))
        cleaned = normalise(text)
        if not cleaned or self._word_rows is None:
            return result
        # TfidfVectorizer rows are L2-normalised, so a dot product is the cosine similarity.
        word_sim = (self._word_rows @ self._words.transform([cleaned]).T).toarray().ravel()
        char_sim = (self._char_rows @ self._chars.transform([cleaned]).T).toarray().ravel()
        phrase_scores = self._word_weight * word_sim + (1 - self._word_weight) * char_sim
        np.maximum.at(result, self._owners, phrase_scores)
        return result

    def rank(self, text: str, limit: int = 5) -> list[Match]:
        """The `limit` best services for a message, best first, whatever their score."""
        scores = self.scores(text)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [Match(int(i), self.service_ids[int(i)], round(float(scores[i]), 4)) for i in order if scores[i] > 0]

    def best(self, text: str, threshold: float = THRESHOLD) -> Match | None:
        """The best service when it reaches the threshold, else `DIDNT_MATCH`."""
        ranked = self.rank(text, limit=1)
        return ranked[0] if ranked and ranked[0].score >= threshold else DIDNT_MATCH


def runners_up(ranked: Sequence[Match], limit: int = 2, threshold: float = RUNNER_UP_THRESHOLD) -> list[Match]:
    """The close runners-up after the best match, for "Did you mean" buttons."""
    return [match for match in ranked[1:] if match.score >= threshold][:limit]


def _phrases(service: Mapping[str, Any] | Any) -> Iterable[str]:
    yield str(_field(service, "title"))
    for term in _field(service, "terms") or ():
        yield str(term)


def _field(service: Mapping[str, Any] | Any, name: str) -> Any:
    return service.get(name) if isinstance(service, Mapping) else getattr(service, name)
