"""Reading the stories ``rasa test core`` says failed (a file it wrote, recorded beside this test)."""

from __future__ import annotations

from pathlib import Path

from evaluation.conversation_tests import failed_stories

RECORDED = Path(__file__).parent / "data" / "failed_test_stories.yml"


def test_each_failed_story_is_named_with_its_file_and_wrong_steps():
    assert failed_stories(RECORDED.read_text()) == [{
        "story": "a greeting is answered with the bin day form",
        "file": "wrong.yml",
        "wrong": ["expected bin_day_form, predicted utter_greet",
                  "expected action_listen, predicted action_tell_bin_day"],
    }]


def test_no_failed_story_is_an_empty_list():
    assert failed_stories("# None of the test stories failed - all good!") == []
