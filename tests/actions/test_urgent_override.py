"""The urgent-phrase override: every route's indirect and terse phrasing, and the near misses it must leave."""

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.urgent_routes import URGENT_INTENTS
from nlu_components.urgent import PHRASES_FILE, UrgentPhraseOverride, load_phrases, match_urgent

PHRASES = load_phrases()
DEV_SET = yaml.safe_load((Path(__file__).resolve().parents[2] / "bench" / "data" / "urgent_dev.yml").read_text())


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("there's a gas leak in the flat below", "immediate_danger"),
        ("I can smell gas", "immediate_danger"),
        ("my neighbour's house is on fire", "immediate_danger"),
        ("he says he's going to hurt himself", "suicide_self_harm"),
        ("i want to end it all", "suicide_self_harm"),
        ("I dont want to live anymore", "suicide_self_harm"),
        ("I don’t want to wake up", "suicide_self_harm"),
        ("my boyfriend hits me", "domestic_abuse"),
        ("I have nowhere to sleep tonight", "homeless_urgent"),
        ("Evicted.", "homeless_urgent"),
        ("I'm sleeping in my car", "homeless_urgent"),
        ("my landlord changed the locks", "homeless_urgent"),
        ("I think the child next door is being hurt", "safeguarding_concern"),
        ("the boy next door is left alone for days", "safeguarding_concern"),
        ("water is coming under the front door", "home_flooding"),
    ],
)
def test_danger_phrases_take_their_own_urgent_route(text, intent):
    assert match_urgent(text, PHRASES) == intent


@pytest.mark.parametrize(
    ("text", "route"), [(text, route) for route, texts in DEV_SET["urgent"].items() for text in texts]
)
def test_development_set_urgent_messages_take_their_route(text, route):
    assert match_urgent(text, PHRASES) == route


@pytest.mark.parametrize(
    "text",
    [
        "when is my bin day", "how do I pay council tax", "the street light is out", "fire safety leaflet",
        *DEV_SET["near_miss"],
    ],
)
def test_everyday_questions_are_not_urgent(text):
    assert match_urgent(text, PHRASES) is None


def test_every_route_has_phrases_and_no_other_key_is_accepted(tmp_path):
    assert {intent for intent, _ in PHRASES} == set(URGENT_INTENTS)
    bad = tmp_path / "phrases.yml"
    bad.write_text("report_problem:\n  - pothole\n")
    with pytest.raises(ValueError, match="not urgent intents"):
        load_phrases(bad)


def parsed(text: str, intent: str) -> Message:
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.4}})


def test_override_corrects_a_non_urgent_guess_and_self_harm_overrides_another_urgent_route():
    override = UrgentPhraseOverride({"phrases": str(PHRASES_FILE)})
    messages = override.process([
        parsed("i'm sleeping in my car", "nlu_fallback"),
        parsed("i want to end it all", "immediate_danger"),
        parsed("I've had to leave because of domestic abuse and have nowhere to stay", "homeless_urgent"),
        parsed("book a table for tonight", "out_of_scope"),
    ])
    assert [m.get(INTENT)["name"] for m in messages] == [
        "homeless_urgent", "suicide_self_harm", "homeless_urgent", "out_of_scope"
    ]
    assert messages[0].get(INTENT)["confidence"] == 1.0


def test_no_everyday_training_example_takes_an_urgent_route():
    """The override would overrule the classifier's own training data: "kids keep getting hurt on the pothole"
    is a street problem, "cut myself on broken glass" an accident, "how do i get my tenant evicted" a landlord's
    question."""
    from evaluation.datasets import load_examples
    from local_stack.services import ROOT

    wrong = [(e.intent, e.text, match_urgent(e.text, PHRASES)) for e in load_examples(ROOT / "nlu_data")
             if e.intent not in URGENT_INTENTS and match_urgent(e.text, PHRASES)]
    assert not wrong
