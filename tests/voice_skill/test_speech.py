"""Rendering Rasa's messages as SSML: escaping, Markdown and URLs, spoken choices, cards, re-prompts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from voice_skill.speech import MAX_SPOKEN_CHARS, escape_ssml, render, speakable, spoken_choices, ssml, unbracket


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


def test_asides_in_brackets_are_spoken_between_commas() -> None:
    answer = render([{"text": "Your black rubbish bin is next collected tomorrow (Wednesday 2 December)."}])
    assert answer.speech == "Your black rubbish bin is next collected tomorrow, Wednesday 2 December."
    said = render([{"text": "Call 01632 960000 (Monday to Friday, 8:30am to 5pm) or 01632 960999 at other times."}])
    assert said.speech == "Call 01632 960000, Monday to Friday, 8:30am to 5pm, or 01632 960999 at other times."
    assert "(" not in said.ssml and ")" not in said.ssml
    assert unbracket("See the page (https removed: ).") == "See the page, https removed:."


def test_every_telephone_number_is_marked_the_same_way() -> None:
    answer = render([{"text": "Call 999 now. Samaritans are on 116 123, or text SHOUT to 85258. Floodline: "
                              "0345 988 1188. If you can't speak, press 55. Us: 01632 960999."}])
    root = ET.fromstring(answer.ssml)
    numbers = [el.text for el in root.iter("say-as")]
    assert numbers == ["999", "116 123", "85258", "0345 988 1188", "55", "01632 960999"]
    assert all(el.get("interpret-as") == "telephone" for el in root.iter("say-as"))
    assert ssml("Call 0800 111 999.") == '<speak>Call <say-as interpret-as="telephone">0800 111 999</say-as>.</speak>'


def test_references_dates_and_postcodes_are_not_telephone_numbers() -> None:
    text = "Report 10231, case CC-000045, M B 0 0 0 1 2 3, 24/01234/FUL, FB12345678, FB1 2AA, Flats 1 to 6, 2026."
    assert "say-as" not in ssml(text)
