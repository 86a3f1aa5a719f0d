"""The handover case's reason carries the resident's last messages with their personal data masked."""

from __future__ import annotations

from actions.contact import transcript_summary
from tests.actions.helpers import tracker


def _said(text: str, entities: list[dict] | None = None) -> dict:
    return {"event": "user", "text": text, "parse_data": {"entities": entities or []}}


def test_the_reason_masks_names_numbers_addresses_and_entity_values():
    events = [
        _said("hello"),
        _said("/greet"),
        _said("I'm Daniel Brooks and my card 4111 1111 1111 1111 was charged twice"),
        _said("call me on +33 6 12 34 56 78 or email dan@example.com"),
        _said("bins at 32 Larch Close FB2 6TT"),
        _said("the pothole is outside the Co-op",
              [{"entity": "location", "start": 14, "end": 32, "value": "outside the Co-op"}]),
        _said("born 01/02/1980, sort code 20-00-00 account 12345678"),
        _said("speak to a person"),
    ]
    reason = transcript_summary(tracker(events=events))
    for leaked in ("Daniel", "Brooks", "4111", "+33", "dan@example.com", "Larch", "6TT", "Co-op", "1980",
                   "20-00-00", "12345678"):
        assert leaked not in reason, leaked
    assert reason.split(" | ")[0] == "I'm <name> and my card <card> was charged twice"
    assert len(reason.split(" | ")) == 6  # the last six messages; commands like /greet are not the resident's words
    assert "FB2 ***" in reason and reason.endswith("speak to a person")
