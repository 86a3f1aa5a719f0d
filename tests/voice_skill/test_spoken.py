"""Spelt-out postcodes and references inside what a smart speaker heard, written as codes for Rasa's entity ruler."""

import pytest

from voice_skill.spoken import codes_in_words


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("bin day for f b one two a a please", "bin day for FB1 2AA please"),
        ("bin day for f. b. one two double a", "bin day for FB1 2AA"),
        ("whats happening with report one oh two three one i think", "whats happening with report 10231 i think"),
        ("planning application two four slash zero one two three four slash f u l",
         "planning application 24/01234/FUL"),
        ("pay parking fine m b zero zero zero one two three", "pay parking fine MB000123"),
    ],
)
def test_codes_said_inside_a_sentence_are_written_as_codes(heard, written):
    assert codes_in_words(heard) == written


@pytest.mark.parametrize(
    "heard",
    ["i have two bins and a box", "number one two mill lane", "double yellow lines outside", "Hello, my bin.",
     "FB1 2AA bins", "i reported a pothole a week ago", "one or two"],
)
def test_words_that_are_no_code_are_left_exactly_as_heard(heard):
    assert codes_in_words(heard) == heard
