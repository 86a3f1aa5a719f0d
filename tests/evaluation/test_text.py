from evaluation.text import annotations, normalise_text, overlap, plain_text, strip_markup


def test_one_key_for_sentences_that_differ_only_in_typing():
    assert normalise_text("Don't  know, MATE!") == normalise_text("dont know mate") == "dont know mate"
    assert normalise_text("it\u2019s") == "its"


def test_overlap_finds_held_out_text_in_training_data():
    assert overlap(["When's my bin day?", "new text"], ["whens my bin day"]) == ["When's my bin day?"]


def test_entity_markup_is_read_and_removed():
    example = 'bins at [FB1 2AA](postcode) for the [blue bin]{"entity": "bin_type", "value": "recycling"}'
    assert plain_text(example) == "bins at FB1 2AA for the blue bin"
    assert annotations(example) == [("FB1 2AA", "postcode", None), ("blue bin", "bin_type", "recycling")]


def test_markup_stripper_reads_ssml_and_html():
    assert strip_markup("<speak>What&apos;s the <b>postcode</b>?</speak>") == "What's the postcode ?"
