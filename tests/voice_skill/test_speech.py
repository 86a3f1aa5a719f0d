"""Rendering Rasa's messages as SSML: escaping, Markdown and URLs, spoken choices, cards, re-prompts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from voice_skill.speech import MAX_SPOKEN_CHARS, escape_ssml, render, speakable, spoken_choices


def test_ampersand_and_angle_brackets_in_content_keep_ssml_well_formed() -> None:
    answer = render([{"text": 'Fish & chips boxes <greasy> go in the "general" bin, it\'s true.'}])
    root = ET.fromstring(answer.ssml)  # raises if the SSML is broken
    assert root.tag == "speak"
    assert root.text == 'Fish & chips boxes <greasy> go in the "general" bin, it\'s true.'
    assert escape_ssml("&<>\"'") == "&amp;&lt;&gt;&quot;&apos;"


def test_all_messages_of_a_turn_are_joined_into_one_answer() -> None:
    answer = render([{"text": "Your bin is collected Wednesday."}, {"text": "Is there anything else?"}])
    assert answer.speech == "Your bin is collected Wednesday. Is there anything else?"
    assert answer.ssml.startswith("<speak>") and answer.ssml.endswith("</speak>")


def test_markdown_and_urls_are_not_spoken_but_go_to_a_card() -> None:
    text = "**Pay online**: https://www.fernbridge.gov.example/council-tax/pay\n- by Direct Debit\n- by phone"
    answer = render([{"text": text}])
    assert "https" not in answer.speech and "*" not in answer.speech and "- " not in answer.speech
    assert answer.speech == "Pay online. by Direct Debit. by phone."
    assert answer.card_text and "https://www.fernbridge.gov.example/council-tax/pay" in answer.card_text
    assert answer.links == ["https://www.fernbridge.gov.example/council-tax/pay"]


def test_markdown_link_keeps_its_words_in_speech() -> None:
    assert speakable("See [the recycling A to Z](https://x.example/az).") == "See the recycling A to Z."


def test_buttons_become_spoken_choices_at_most_five() -> None:
    buttons = [{"title": f"{n} Mill Lane", "payload": f"/inform{{\"uprn\": \"{n}\"}}"} for n in range(1, 8)]
    answer = render([{"text": "Which address is it?", "buttons": buttons}])
    assert answer.speech == ("Which address is it? Say one for 1 Mill Lane, two for 2 Mill Lane, three for "
                             "3 Mill Lane, four for 4 Mill Lane or five for 5 Mill Lane.")
    assert len(answer.buttons) == 7  # all remembered, so "six" still works
    assert spoken_choices(buttons[:2]) == "Say one for 1 Mill Lane or two for 2 Mill Lane."


def test_reprompt_is_the_last_question() -> None:
    answer = render([{"text": "Sorry, that isn't a postcode."}, {"text": "What's the postcode? For example, FB1."}])
    assert answer.reprompt == "What's the postcode?"
    assert render([{"text": "Your bin is collected Wednesday."}]).reprompt is None


def test_long_answers_are_cut_at_a_sentence_and_the_card_keeps_everything() -> None:
    text = " ".join(f"Sentence number {n} about opening hours." for n in range(60))
    answer = render([{"text": text}])
    assert len(answer.speech) <= MAX_SPOKEN_CHARS
    assert answer.speech.endswith(".")
    assert answer.card_text == text


def test_links_sent_beside_a_voice_variant_go_to_the_card() -> None:
    answer = render([{"text": "You can pay online. I've put the link in your Alexa app.",
                      "links": ["https://www.fernbridge.gov.example/council-tax/pay"]}])
    assert answer.speech == "You can pay online. I've put the link in your Alexa app."
    assert answer.card_text == ("You can pay online. I've put the link in your Alexa app.\n"
                                "https://www.fernbridge.gov.example/council-tax/pay")
