"""The A to Z's ranking on the seeded directory: residents' words, misspellings, and chat it must not answer."""

import pytest
import yaml

from council_backend.seed import SEED_DIR
from service_directory.ranking import THRESHOLD, DirectoryRanker, normalise, runners_up


@pytest.fixture(scope="module")
def ranker():
    return DirectoryRanker(yaml.safe_load((SEED_DIR / "services.yml").read_text())["services"])


@pytest.mark.parametrize(
    ("text", "service_id"),
    [
        ("disabled parking badge", "blue-badge"),  # a synonym
        ("help paying my rent", "housing-benefit"),
        ("foodbank", "food-banks"),
        ("dead fox in the road", "dead-animals"),
    ],
)
def test_residents_words_find_their_service(ranker, text, service_id):
    best = ranker.best(text)
    assert best is not None and best.service_id == service_id


@pytest.mark.parametrize(("text", "service_id"), [("blue bage", "blue-badge"), ("alotment", "allotments")])
def test_a_misspelling_still_finds_the_service(ranker, text, service_id):
    assert ranker.rank(text, 1)[0].service_id == service_id


@pytest.mark.parametrize("text", ["what's the weather like", "tell me a joke", "qwertyuiop", "?!", ""])
def test_chat_the_council_does_not_cover_stays_below_the_threshold(ranker, text):
    assert ranker.best(text) is None
    assert all(match.score < THRESHOLD for match in ranker.rank(text))


def test_scores_run_from_zero_to_one_best_first(ranker):
    ranked = ranker.rank("bus pass", limit=5)
    scores = [match.score for match in ranked]
    assert scores == sorted(scores, reverse=True)
    assert 0 < scores[-1] and scores[0] <= 1


def test_runners_up_are_only_close_ones(ranker):
    ranked = ranker.rank("blue badge", limit=5)
    close = runners_up(ranked)
    assert ranked[0].service_id == "blue-badge"
    assert [m.service_id for m in close] == ["blue-badge-misuse"]


def test_normalise_drops_filler_and_punctuation():
    assert normalise("How do I get a Blue Badge?") == "blue badge"
    assert normalise("I can't pay my rent") == "cant pay rent"


def test_an_empty_directory_ranks_nothing():
    assert DirectoryRanker([]).rank("bus pass") == []


def test_a_long_message_is_ranked_by_its_clauses_too(ranker):
    # The request is one clause of a story; the whole message alone is diluted by the rest.
    story = ("we moved here in the spring and the neighbours are lovely, the kids love the park, "
             "but there is a dead fox in the road outside our house")
    assert ranker.rank(story, 1)[0].service_id == "dead-animals"
    assert ranker._scores(story).max() < ranker.scores(story).max()


def test_a_short_message_is_not_split(ranker):
    text = "dead fox and a dead badger"
    assert (ranker.scores(text) == ranker._scores(text)).all()
