"""Every kind of personal data is masked by the redaction module."""

from __future__ import annotations

import pytest

from privacy.redaction import redact, redact_entities


@pytest.mark.parametrize(
    "text, secret, mask",
    [
        ("write to jo.bloggs+bins@example.co.uk please", "jo.bloggs", "<email>"),
        ("call me on 07700 900123", "900123", "<phone>"),
        ("my number is +44 7700 900 123", "7700", "<phone>"),
        ("landline (01632) 960001", "960001", "<phone>"),
        ("card 4111 1111 1111 1111 exp 12/28", "1111", "<card>"),
        ("card 4111111111111111", "4111111111111111", "<card>"),
        ("NI number QQ 12 34 56 C", "QQ 12", "<NI number>"),
        ("ni qq123456c", "qq123456c", "<NI number>"),
    ],
)
def test_personal_data_kind_is_masked(text, secret, mask):
    masked = redact(text)
    assert secret not in masked
    assert mask in masked


def test_postcode_keeps_only_its_outward_part():
    assert redact("bins at FB1 2AA please") == "bins at FB1 *** please"
    assert redact("bins at fb12aa") == "bins at FB1 ***"
    assert redact("SW1A 1AA") == "SW1A ***"


def test_names_are_masked_where_an_entity_says_so():
    entities = [{"entity": "PERSON", "start": 11, "end": 21, "value": "John Smith"}]
    assert redact("My name is John Smith", entities) == "My name is <name>"
    assert redact("I'm Ada", [{"entity": "name", "value": "Ada"}]) == "I'm <name>"
    assert redact_entities(entities)[0]["value"] == "<name>"


def test_council_references_are_not_mistaken_for_personal_data():
    text = "report 10231, planning 24/01234/FUL, PCN FB12345678, case CC-000045, uprn 100090000001"
    assert redact(text) == text


@pytest.mark.parametrize(
    "text, secret, mask",
    [
        ("my name is Margaret Okafor and my bins were missed", "Okafor", "<name>"),
        ("my name is dave pritchard, bin day please", "pritchard", "<name>"),
        ("can mrs jones from housing call me", "jones", "<name>"),
        ("please cancel it. Kind regards Peter O'Neill", "Neill", "<name>"),
        ("Can Janet Lowe from environmental health call", "Lowe", "<name>"),
        ("Hello I am Krzysztof Wiśniewski", "Wiśniewski", "<name>"),
        ("my bins at 27 Hawthorn Avenue were missed", "Hawthorn", "<address>"),
        ("the bins at forty two Cherry Tree Road were missed", "Cherry", "<address>"),
        ("Flat 2 Acacia House, Mill Lane, the bins overflow", "Acacia", "<address>"),
        ("my address is 9 The Paddocks, Little Hexley", "Hexley", "<address>"),
        ("ring my son in the US on +1 (415) 555-0132", "555", "<phone>"),
        ("polish number +48 512 345 678", "512", "<phone>"),
        ("0044 7700 900321 is my number", "900321", "<phone>"),
        ("my amex is 3782 822463 10005", "822463", "<card>"),
        ("371449635398431 is the card", "3714496", "<card>"),
        ("sort code 20-00-00 account 12345678", "20-00-00", "<sort code>"),
        ("sort code 20-00-00 account 12345678", "12345678", "<account number>"),
        ("my bank details are 30-96-34 and 11223344", "11223344", "<account number>"),
        ("dob 3rd March 1975", "1975", "<date of birth>"),
        ("my son was born 14 July 2019", "2019", "<date of birth>"),
        ("Mrs Edith Crabtree 01/04/1937", "1937", "<date of birth>"),
    ],
)
def test_each_kind_the_old_redaction_missed_is_masked(text, secret, mask):
    masked = redact(text)
    assert secret not in masked
    assert mask in masked


def test_address_and_location_entity_values_are_masked():
    text = "pothole outside the Co-op on Mill Lane"
    entities = [{"entity": "location", "start": 8, "end": 38, "value": "outside the Co-op on Mill Lane"}]
    assert redact(text, entities) == "pothole <address>"
    assert redact_entities(entities)[0]["value"] == "<address>"
    assert redact("bins missed at Rose Cottage", [{"entity": "address", "value": "Rose Cottage"}]) == \
        "bins missed at <address>"


@pytest.mark.parametrize("text", [
    "my bin was missed on 12/03/2026",
    "there's a pothole on Mill Lane",
    "is the Central Library open on boxing day",
    "I'm not happy with the service",
    "I am disabled and can't get my bin out",
    "I got a PCN on 14/11/2026 on Bridge Street",
    "the fine was issued on 02/11/2026 at 10:45",
    "What are the opening hours of Fernbridge Library on Saturday",
    "cheers mate",
])
def test_council_words_dates_and_streets_of_a_report_are_left_alone(text):
    assert redact(text) == text


def test_redaction_is_stable_when_applied_twice():
    once = redact("I'm Daniel Brooks, 32 Larch Close FB2 6TT, phone 07700 900654, born 01/02/1980")
    assert redact(once) == once
    assert "Daniel" not in once and "Larch" not in once and "6TT" not in once and "900654" not in once


def test_the_redaction_module_needs_neither_flask_nor_rasa():
    import subprocess
    import sys

    code = ("import sys, privacy.redaction as r; r.redact('My name is Ann Lee'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'rasa', 'staff_console')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
