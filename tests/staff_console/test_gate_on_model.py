"""The real gate on the real model: evaluations and conversation tests as the console runs them before publishing.

The shipped model is both predecessor and candidate, so it must pass every check; a wrong test story shows that
the conversation tests really run against the candidate and report the story that failed.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.manifest import CONVERSATION_TESTS, ROOT
from staff_console.gate import gate
from tests.staff_console.conftest import make_console

WRONG_STORY = """version: "3.1"
stories:
  - story: a greeting is answered with the bin day form
    steps:
      - intent: greet
      - action: bin_day_form
"""


def console_with(model_path: Path, tmp_path: Path, fake_tracker: Path, data_copy: Path, **overrides):
    """A console whose models folder links to the shipped model (its evaluations are written here, not there)."""
    models = tmp_path / "models"
    models.mkdir()
    link = models / "shipped.tar.gz"
    link.symlink_to(model_path.resolve())
    app, config = make_console(tmp_path, fake_tracker, data_copy, models_dir=models, adopt_running_model=False,
                               **overrides)
    trainer = app.extensions["staff_console"]["trainer"]
    return trainer, trainer.registry.register(link), config


def test_the_shipped_model_as_its_own_successor_passes_every_check(model_path, tmp_path, fake_tracker, data_copy):
    trainer, record, config = console_with(model_path, tmp_path, fake_tracker, data_copy)
    evaluation = trainer.evaluations.evaluation(record)
    conversations = trainer.evaluations.conversations(record)
    verdict = gate(evaluation, evaluation, tolerance=0, conversations=conversations)
    assert verdict.refusals == [], verdict.reasons
    stories = sum(f.read_text().count("- story:") for f in (ROOT / CONVERSATION_TESTS).glob("*.yml"))
    assert conversations["passed"] and conversations["total"] == stories, conversations
    # The urgent set was parsed too, and the urgent recall covers it.
    assert len(evaluation["urgent"]) >= 60 and evaluation["urgent_set"] == str(config.urgent_set.resolve())
    assert evaluation["urgent_recall"] is not None and evaluation["fallback_rate"] is not None
    # Kept beside the model: asking again reads it, rasa test core does not run again.
    saved = tmp_path / "models" / "shipped.conversations.json"
    written = saved.stat().st_mtime_ns
    assert trainer.evaluations.conversations(record) == conversations
    assert saved.stat().st_mtime_ns == written


def test_a_story_the_model_gets_wrong_refuses_it_with_the_story(model_path, tmp_path, fake_tracker, data_copy):
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "wrong.yml").write_text(WRONG_STORY)
    trainer, record, _ = console_with(model_path, tmp_path, fake_tracker, data_copy, conversation_tests=stories)
    conversations = trainer.evaluations.conversations(record)
    assert not conversations["passed"] and conversations["total"] == 1
    [failed] = conversations["failed"]
    assert failed["story"] == "a greeting is answered with the bin day form"
    assert failed["wrong"][0] == "expected bin_day_form, predicted utter_greet"
    verdict = gate({}, None, tolerance=1, conversations=conversations)
    assert verdict.refusals[0]["examples"][0].startswith(
        "a greeting is answered with the bin day form (wrong.yml): expected bin_day_form, predicted utter_greet")
