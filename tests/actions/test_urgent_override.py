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


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # homeless_urgent: terse terms, a bed tonight, places that are not a home, told to leave, nowhere left
        ("rough sleeping", "homeless_urgent"),
        ("no fixed abode", "homeless_urgent"),
        ("i'm street homeless", "homeless_urgent"),
        ("homless need a bed", "homeless_urgent"),
        ("i'm out on the street tonight", "homeless_urgent"),
        ("i need a bed for tonight", "homeless_urgent"),
        ("is there an emergency bed anywhere", "homeless_urgent"),
        ("we need somewhere warm to sleep tonight", "homeless_urgent"),
        ("can you put us in a b&b tonight", "homeless_urgent"),
        ("locked out by landlord and all my things are inside", "homeless_urgent"),
        ("she's sleeping in her car with the kids", "homeless_urgent"),
        ("we've been kipping in the stairwell of the flats", "homeless_urgent"),
        ("spent three nights in the hospital car park", "homeless_urgent"),
        ("we've been staying in a tent in the woods", "homeless_urgent"),
        ("my stepdad has told me not to come back", "homeless_urgent"),
        ("the hostel told us to leave tonight", "homeless_urgent"),
        ("run out of friends to stay with", "homeless_urgent"),
        ("no one can put me up tonight", "homeless_urgent"),
        ("been couch surfing for weeks", "homeless_urgent"),
        ("the landlord has thrown all my stuff out on the pavement", "homeless_urgent"),
        ("the hostel's full and it's freezing", "homeless_urgent"),
        ("i've got no home", "homeless_urgent"),
        ("got a section 21 and have nowhere to go", "homeless_urgent"),
        ("we're about to lose our home", "homeless_urgent"),
        ("no idea where i'm sleeping tonight", "homeless_urgent"),
        ("been kiked out by my dad", "homeless_urgent"),
        ("my landlord chnaged the locks", "homeless_urgent"),
        # safeguarding_concern: an older neighbour not seen, named risks, children alone or marked, adults exploited
        ("the old man opposite hasn't been seen for days", "safeguarding_concern"),
        ("her curtains have been shut for four days", "safeguarding_concern"),
        ("his post is piling up on the mat", "safeguarding_concern"),
        ("cuckooing", "safeguarding_concern"),
        ("county lines", "safeguarding_concern"),
        ("elder abuse", "safeguarding_concern"),
        ("child at risk", "safeguarding_concern"),
        ("i'm concerned about a vulnerable adult", "safeguarding_concern"),
        ("kids home alone", "safeguarding_concern"),
        ("the little ones upstairs are always on their own", "safeguarding_concern"),
        ("a girl in my daughter's class keeps turning up with bruises", "safeguarding_concern"),
        ("her dad locks her in her room", "safeguarding_concern"),
        ("i think my nan's carer is stealing from her", "safeguarding_concern"),
        ("someone is taking advantage of my confused uncle", "safeguarding_concern"),
        ("my neighbour has dementia and wanders at night in her nightie", "safeguarding_concern"),
        ("a young lad is being used by a gang to run drugs", "safeguarding_concern"),
        ("my 12 year old is talking to a grown man on snapchat", "safeguarding_concern"),
        ("im worryed about the kids upstairs", "safeguarding_concern"),
        ("concerned for the welfare of a child", "safeguarding_concern"),
        ("safe gaurding concern", "safeguarding_concern"),
        # immediate_danger: gas without the word, fire and smoke, electrics, a building giving way, people hurt
        ("there's a smell of rotten eggs in the hall", "immediate_danger"),
        ("the cooker is hissing", "immediate_danger"),
        ("flames coming out of the flat below", "immediate_danger"),
        ("the frying pan has caught light", "immediate_danger"),
        ("the meter cupboard is smouldering", "immediate_danger"),
        ("the stairwell is full of smoke", "immediate_danger"),
        ("there's a burning smell coming from the socket", "immediate_danger"),
        ("sparking socket", "immediate_danger"),
        ("a power line is down and sparking on the road", "immediate_danger"),
        ("the house next door is cracking and leaning", "immediate_danger"),
        ("the kitchen ceiling has just fallen in", "immediate_danger"),
        ("a lady's collapsed outside the shop", "immediate_danger"),
        ("a boy got knocked down by a van and he's not moving", "immediate_danger"),
        ("i can hear gunshots", "immediate_danger"),
        ("someone is kicking my door in", "immediate_danger"),
        ("someone stabbed", "immediate_danger"),
        ("we all feel dizzy and sick and the boiler is on", "immediate_danger"),
        ("fier in the block", "immediate_danger"),
        # suicide_self_harm: misspellings, terse and indirect phrasing, a third party, plans and means
        ("sucide", "suicide_self_harm"),
        ("i feel suicdal", "suicide_self_harm"),
        ("i'm going to kil myself", "suicide_self_harm"),
        ("self harn", "suicide_self_harm"),
        ("end my life", "suicide_self_harm"),
        ("i've been thinking of ending things", "suicide_self_harm"),
        ("i'm done with life", "suicide_self_harm"),
        ("i don't feel safe from myself", "suicide_self_harm"),
        ("she says she wants to unalive herself", "suicide_self_harm"),
        ("gonna kms", "suicide_self_harm"),
        ("i can't do this anymore", "suicide_self_harm"),
        ("i just want it all to stop", "suicide_self_harm"),
        ("i want to go to sleep and never wake up", "suicide_self_harm"),
        ("i want to step in front of a train", "suicide_self_harm"),
        ("thinking of throwing myself off the multi storey", "suicide_self_harm"),
        ("she's cutting again", "suicide_self_harm"),
        ("he's gone off with all his pills", "suicide_self_harm"),
        ("my brother has disappeared and left a note", "suicide_self_harm"),
        ("i can't see a way out", "suicide_self_harm"),
        ("i feel like a burden", "suicide_self_harm"),
        ("my life is not worth living", "suicide_self_harm"),
        ("i've been saving up my tablets", "suicide_self_harm"),
        ("how many paracetamol would it take", "suicide_self_harm"),
        # domestic_abuse: terms, control and surveillance, threats, sexual violence, misspellings
        ("my ex-husband is stalking me", "domestic_abuse"),
        ("need a womens refuge", "domestic_abuse"),
        ("dv", "domestic_abuse"),
        ("honour based violence", "domestic_abuse"),
        ("financial abuse by my husband", "domestic_abuse"),
        ("controlling partner", "domestic_abuse"),
        ("my partner won't let me go out without him", "domestic_abuse"),
        ("my boyfriend goes through my phone and tracks where i am", "domestic_abuse"),
        ("i found a tracker on my car", "domestic_abuse"),
        ("he's threatening to post nude pictures of me", "domestic_abuse"),
        ("he smashed my phone so i can't call anyone", "domestic_abuse"),
        ("my husband forces me to have sex", "domestic_abuse"),
        ("he calls me worthless", "domestic_abuse"),
        ("i'm dead when he gets home", "domestic_abuse"),
        ("my boyfreind punched me", "domestic_abuse"),
        ("my husbend won't let me see my friends", "domestic_abuse"),
        ("domestic violance", "domestic_abuse"),
        # home_flooding: terse and misspelt, water levels, water coming in from outside, a river into the house
        ("flooded house", "home_flooding"),
        ("water in the kitchen", "home_flooding"),
        ("water's coming in", "home_flooding"),
        ("the kitchen is floodin", "home_flooding"),
        ("the flat's floded", "home_flooding"),
        ("water is up to the skirting boards in the lounge", "home_flooding"),
        ("there's water coming in through the air bricks", "home_flooding"),
        ("water is coming up through the floorboards", "home_flooding"),
        ("we've got inches of water downstairs", "home_flooding"),
        ("it's coming in under the back door from the drains", "home_flooding"),
        ("the beck has burst and it's in the house", "home_flooding"),
        ("been living out of the van since she threw me out", "homeless_urgent"),
        # a home flooding from inside: a burst pipe or tank, water pouring through a ceiling or light fitting
        ("a pipe has burst under the sink and the kitchen is filling up", "home_flooding"),
        ("burst pipe in the loft", "home_flooding"),
        ("the water tank's burst", "home_flooding"),
        ("water is gushing through the light fitting in the hall", "home_flooding"),
        ("it's pouring through our bedroom ceiling", "home_flooding"),
    ],
)
def test_terse_misspelt_indirect_and_third_party_phrasing_takes_its_urgent_route(text, intent):
    """Each kind of phrasing the review found missing, written in words of its own (none of the development or
    held-out sentences): the override must send it down its route whatever the classifier thinks."""
    assert match_urgent(text, PHRASES) == intent


@pytest.mark.parametrize(
    "text",
    [
        # idioms, negations and everyday uses of fire, guns, knives and breath
        "the gas fire in the living room won't light",
        "the fire in my living room is lovely",
        "there's a fire at the bottom of my garden, it's a bonfire",
        "you're on fire today",
        "my phone is on fire with messages",
        "the fire at the depot, are bins still collected",
        "just got shot of my old telly",
        "cut a mango with a knife",
        "he's not breathing down my neck anymore",
        "no, nobody's in danger",
        "i'm not in danger i just want to speak to a person",
        "carbon monoxide alarm which bin",
        "we had a gas leak last month but it was fixed",
        "i want to die my hair blue",
        "my wife will kill me if i miss bin day again",
        "my business collapsed and i can't pay council tax",
        "i cut myself shaving",
        # a death already registered is register_death; floods and homelessness in the past are the A to Z's
        "my son took his own life, how do i register his death",
        "my dad took his own life 10 years ago, copy of death certificate",
        "our home flooded last month, do we still pay council tax",
        "my house flooded in 2020",
        "the river burst its banks and flooded the park",
        "i was made homeless last year and now have a flat",
        "i was evicted in 2019, can i still join the housing register",
        # a leak or a burst already past is a repair
        "water is dripping through the ceiling from the flat upstairs",
        "we had a burst pipe last winter and the ceiling is still stained",
        "a pipe burst but the plumber fixed it, who repairs the ceiling",
        "how do i stop my pipes bursting in the frost",
        "water main burst in the road outside",
        "burst pipe in the street",
        # put out of somewhere that is not a home, a holiday tent, and a tenant's question
        "i got kicked out of the gym",
        "my wife kicked me out of bed for snoring",
        "sleeping in a tent at the festival",
        "can my landlord evict me for complaining about damp",
        "what happens if i get evicted",
        "he won't let me have the car on tuesday",
    ],
)
def test_negations_idioms_past_events_and_service_questions_take_no_urgent_route(text):
    """Everyday messages the review found taking an urgent route: the guards for negation, idiom, the past and a
    question about a service keep them for the classifier."""
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
