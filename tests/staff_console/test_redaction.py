"""Every kind of personal data is masked by the redaction module."""

from __future__ import annotations

import pytest

from staff_console.redaction import redact, redact_entities


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
