"""Access: anonymous requests get the login page, roles limit what staff can do, CSRF-less posts are refused."""

from __future__ import annotations

import time

from tests.staff_console.conftest import PASSWORD, csrf, login


def test_anonymous_requests_get_the_login_page(console):
    client = console.test_client()
    for page in ("/", "/inbox", "/conversations", "/training", "/insights", "/audit"):
        answer = client.get(page)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], page
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    assert client.post("/training/start", data={"csrf_token": csrf(client)}).headers["Location"].endswith("/login")


def test_wrong_password_is_refused(console):
    client = console.test_client()
    answer = client.post("/login", data={"username": "publisher", "password": "nope", "csrf_token": csrf(client)})
    assert answer.status_code == 401


def test_posts_without_the_csrf_token_are_refused(console):
    client = console.test_client()
    assert client.post("/login", data={"username": "editor", "password": PASSWORD}).status_code == 400
    login(client, "publisher")
    assert client.post("/training/start").status_code == 400
    assert client.post("/inbox/correct", data={"event_id": 3, "action": "confirm", "csrf_token": "forged"}
                       ).status_code == 400


def test_viewer_reads_but_cannot_correct_or_publish(console):
    client = console.test_client()
    token = login(client, "viewer")
    assert client.get("/inbox").status_code == 200
    assert client.post("/training/start", data={"csrf_token": token}).status_code == 403
    assert client.post("/models/1/publish", data={"csrf_token": token}).status_code == 403
    assert client.post("/inbox/correct", data={"event_id": 3, "action": "confirm", "csrf_token": token}
                       ).status_code == 403


def test_editor_corrects_but_cannot_retrain(console):
    client = console.test_client()
    token = login(client, "editor")
    assert client.post("/training/start", data={"csrf_token": token}).status_code == 403


def test_idle_sessions_expire(console):
    client = console.test_client()
    login(client, "viewer")
    with client.session_transaction() as session:
        session["seen"] = time.time() - 31 * 60
    answer = client.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_pages_show_masked_transcripts_and_charts(console):
    client = console.test_client()
    login(client, "viewer")
    listing = client.get("/conversations?fallback=1").get_data(as_text=True)
    assert "fake-0-000002" in listing and "fake-0-000000" not in listing
    handovers = client.get("/conversations?handover=1").get_data(as_text=True)
    assert "fake-0-000010" in handovers and "fake-0-000001" not in handovers
    low = client.get("/conversations?low=1").get_data(as_text=True)
    assert "fake-0-000004" in low and "fake-0-000000" not in low
    by_intent = client.get("/conversations?intent=library_opening_hours&channel=rest").get_data(as_text=True)
    assert "fake-0-000001" in by_intent and "fake-0-000002" not in by_intent
    page = client.get("/conversations/fake-0-000005").get_data(as_text=True)
    assert "&lt;name&gt;" in page and "&lt;NI number&gt;" in page and "&lt;card&gt;" in page
    assert "John" not in page and "QQ 12" not in page and "4111" not in page and "01632" not in page
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "&lt;email&gt;" in inbox and "jo.bloggs" not in inbox and "07700" not in inbox
    assert "FB1 ***" in inbox and "2AA" not in inbox
    insights = client.get("/insights").get_data(as_text=True)
    assert insights.count("<svg") >= 4
    assert client.get("/training").status_code == 200 and client.get("/audit").status_code == 200


def test_inbox_correction_is_written_redacted_and_logged(console, data_copy):
    client = console.test_client()
    token = login(client, "editor")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "can I get a refund on my gym membership" in inbox
    reader = console.extensions["staff_console"]["reader"]
    event = next(m for m in reader.unsure_messages() if "jo.bloggs" in m["raw_text"])
    answer = client.post("/inbox/correct", data={"event_id": event["event_id"], "action": "relabel",
                                                  "intent": "contact_council", "csrf_token": token})
    assert answer.status_code == 302
    written = (data_copy / "contact.yml").read_text()
    assert "    - my email is <email> and my number is <phone>" in written
    assert "jo.bloggs" not in written
    gym = [m["event_id"] for m in reader.unsure_messages() if "gym" in m["text"]]
    assert len(gym) >= 2
    answer = client.post("/inbox/bulk", data={"event_id": gym, "action": "out_of_scope", "csrf_token": token})
    assert answer.status_code == 302
    assert (data_copy / "out_of_scope_council.yml").read_text().count("gym membership") == 1
    assert "gym membership" not in client.get("/inbox").get_data(as_text=True)
    log = client.get("/audit").get_data(as_text=True)
    assert "relabel event" in log and "out_of_scope event" in log and "editor" in log


def test_editor_fixes_entity_spans_but_cannot_change_the_words(console, data_copy):
    client = console.test_client()
    token = login(client, "editor")
    reader = console.extensions["staff_console"]["reader"]
    event = next(m for m in reader.unsure_messages() if m["text"] == "bins at FB1 ***")
    changed = client.post("/inbox/correct", data={"event_id": event["event_id"], "action": "confirm",
                                                  "example": "bins at [FB1 2AA](postcode)", "csrf_token": token})
    assert changed.status_code == 400
    answer = client.post("/inbox/correct", data={"event_id": event["event_id"], "action": "confirm",
                                                 "example": "[bins](bin_type) at FB1 ***", "csrf_token": token})
    assert answer.status_code == 302
    assert "    - [bins](bin_type) at FB1 ***" in (data_copy / "waste.yml").read_text()


def test_names_and_numbers_are_masked_in_written_training_data(console, data_copy):
    client = console.test_client()
    token = login(client, "editor")
    reader = console.extensions["staff_console"]["reader"]
    event = next(m for m in reader.unsure_messages() if "John Smith" in m["raw_text"])
    answer = client.post("/inbox/correct", data={"event_id": event["event_id"], "action": "relabel",
                                                 "intent": "contact_council", "csrf_token": token})
    assert answer.status_code == 302
    written = (data_copy / "contact.yml").read_text()
    assert "    - I am <name>, NI <NI number>, card <card>" in written
    assert "John" not in written and "QQ 12" not in written and "4111" not in written
