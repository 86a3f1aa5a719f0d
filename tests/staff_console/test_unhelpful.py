"""A resident says an answer did not help: the bot apologises and offers a person, staff see the question."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import texts
from tests.staff_console.conftest import login, make_console

QUESTION = "when is my bin day"


def test_resident_marks_an_answer_unhelpful_and_staff_see_it_in_the_inbox(tmp_path, running_stack, sender,
                                                                           data_copy):
    running_stack.say(sender, QUESTION)
    # The chat page's "This didn't help" button sends this payload; typing "that didn't help" is the same intent.
    reply = running_stack.say(sender, "/not_helpful")
    assert "Sorry that didn't help" in texts(reply)
    assert any(b.get("payload") == "/human_handover" for m in reply for b in m.get("buttons", []))
    typed = running_stack.say(sender, "that didn't help at all")
    assert "Sorry that didn't help" in texts(typed)

    # A confident prediction: in the inbox only because the resident said the answer did not help.
    app, _ = make_console(tmp_path, Path(running_stack.tracker_db_url[len("sqlite:///"):]), data_copy,
                          low_confidence=0.05)
    reader = app.extensions["staff_console"]["reader"]
    marked = [m for m in reader.unsure_messages() if m["sender_id"] == sender]
    assert [m["text"] for m in marked] == [QUESTION]
    assert marked[0]["unhelpful"] is True and marked[0]["intent"] == "bin_collection_day"

    client = app.test_client()
    login(client, "viewer")
    page = client.get("/inbox").get_data(as_text=True)
    assert QUESTION in page and "resident said the answer did not help" in page
