import pytest

from nlu_components.urgent import load_phrases, match_urgent

PHRASES = load_phrases()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("there's a gas leak in the flat below", "immediate_danger"),
        ("I can smell gas", "immediate_danger"),
        ("he says he's going to hurt himself", "immediate_danger"),
        ("my neighbour's house is on fire", "immediate_danger"),
        ("i want to end it all", "immediate_danger"),
        ("I dont want to live anymore", "immediate_danger"),
        ("I have nowhere to sleep tonight", "homeless_urgent"),
        ("I think the child next door is being hurt", "safeguarding_concern"),
    ],
)
def test_danger_phrases_take_the_urgent_route(text, intent):
    assert match_urgent(text, PHRASES) == intent


@pytest.mark.parametrize(
    "text", ["when is my bin day", "how do I pay council tax", "the street light is out", "fire safety leaflet"]
)
def test_everyday_questions_are_not_urgent(text):
    assert match_urgent(text, PHRASES) is None
