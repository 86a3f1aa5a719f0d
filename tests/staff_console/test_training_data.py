"""Corrections land in the intent's own service file, tidy, redacted, without duplicates or held-out examples."""

from __future__ import annotations

from pathlib import Path

from evaluation.datasets import load_examples
from local_stack.services import ROOT
from staff_console.training_data import TrainingData


def test_correction_is_appended_to_the_intents_service_file(data_copy: Path):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    before = (data_copy / "libraries.yml").read_text()
    result = data.add_example("library_opening_hours", "is the [Central Library](place) open on boxing day morning")
    assert (result.outcome, result.file) == ("written", "libraries.yml")
    after = (data_copy / "libraries.yml").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["    - is the [Central Library](place) open on boxing day morning"]
    examples = load_examples(data_copy / "libraries.yml")
    assert any(e.text == "is the Central Library open on boxing day morning" and e.intent == "library_opening_hours"
               for e in examples)


def test_duplicates_and_heldout_examples_are_not_written(data_copy: Path):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    assert data.add_example("bin_collection_day", "When is my BIN day?").outcome == "duplicate"
    heldout = load_examples(ROOT / "nlu_heldout" / "waste.yml")[0]
    assert data.add_example(heldout.intent, heldout.text).outcome == "heldout"
    assert data.add_example("bin_collection_day", "bin day plz for the flats").outcome == "written"
    assert data.add_example("bin_collection_day", "bin day plz for the flats").outcome == "duplicate"


def test_personal_data_is_redacted_before_it_is_written(data_copy: Path):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    secret = ("email jo@example.com or ring 07700 900123, card 4111 1111 1111 1111, "
              "NI QQ 12 34 56 C, I live at [FB1 2AA](postcode)")
    before = (data_copy / "contact.yml").read_text().splitlines()
    assert data.add_example("contact_council", secret).outcome == "written"
    text = "\n".join(line for line in (data_copy / "contact.yml").read_text().splitlines() if line not in before)
    for leaked in ("jo@example.com", "900123", "4111", "QQ 12 34 56 C", "2AA"):
        assert leaked not in text
    assert "<email> or ring <phone>, card <card>, NI <NI number>, I live at [FB1 ***](postcode)" in text


def test_out_of_scope_corrections_go_to_the_council_out_of_scope_file(data_copy: Path):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    assert data.add_example("out_of_scope", "can you book me a table for two").file == "out_of_scope_council.yml"


def test_corrections_keep_only_redacted_words_of_every_kind(data_copy: Path):
    data = TrainingData(data_copy, ROOT / "nlu_heldout")
    secret = ("I'm Daniel Brooks of 32 Larch Close, my french number is +33 6 12 34 56 78, born 01/02/1980, "
              "sort code 20-00-00 account 12345678, amex 3782 822463 10005")
    before = (data_copy / "contact.yml").read_text().splitlines()
    assert data.add_example("contact_council", secret).outcome == "written"
    text = "\n".join(line for line in (data_copy / "contact.yml").read_text().splitlines() if line not in before)
    for leaked in ("Daniel", "Brooks", "Larch", "+33", "1980", "20-00-00", "12345678", "822463"):
        assert leaked not in text, leaked
