"""Collection rounds, missed-bin rules, the recycling A to Z and recycling centres."""

import pytest

MILL_LANE = "100090000001"  # FB1 2AA, collected on Wednesdays (the fixed clock is Wednesday 2 December 2026)
STATION_COURT = "100090000007"  # FB2 4BT, collected on Mondays
ORCHARD_CLOSE = "100090000013"  # FB3 7QE, collected on Tuesdays
CHURCH_STREET = "100090000017"  # FB4 9HX, collected on Fridays (garden waste on Thursdays)


def missed(client, uprn, bin_type, collection_date):
    return client.post("/waste/missed", json={"uprn": uprn, "bin_type": bin_type, "collection_date": collection_date})


def test_collections_follow_the_clock(client):
    body = client.get(f"/waste/collections?uprn={MILL_LANE}").get_json()
    by_bin = {row["bin_type"]: row for row in body}
    assert set(by_bin) == {"general", "recycling", "food", "garden", "glass"}
    assert by_bin["general"] == {
        "bin_type": "general",
        "collection_day": "wednesday",
        "frequency": "fortnightly",
        "next_collection": "2026-12-02",
        "last_collection": "2026-12-02",  # collection day: today is the one a resident may report
        "missed_report": "not_over",  # ... once the crews' day is over
    }
    assert by_bin["recycling"]["next_collection"] == "2026-12-09"
    assert by_bin["food"]["frequency"] == "weekly"
    assert body[0]["next_collection"] <= body[-1]["next_collection"]


def test_collections_move_on_with_the_clock(make_app):
    from tests.backend_server import API_KEY

    client = make_app(NOW="2026-12-03T09:00:00").test_client()
    body = client.get(f"/waste/collections?uprn={MILL_LANE}", headers={"X-Api-Key": API_KEY}).get_json()
    general = next(row for row in body if row["bin_type"] == "general")
    assert general["next_collection"] == "2026-12-16"
    assert general["last_collection"] == "2026-12-02"


def test_collections_say_whether_the_last_one_can_be_reported_by_the_missed_bin_rules(client):
    """missed_report agrees with POST /waste/missed, so the assistant can check before asking to confirm."""
    expected_errors = {"open": None, "not_over": "collection_not_over", "too_late": "too_late"}
    seen = set()
    for uprn in (MILL_LANE, ORCHARD_CLOSE, CHURCH_STREET):
        for row in client.get(f"/waste/collections?uprn={uprn}").get_json():
            seen.add(row["missed_report"])
            response = missed(client, uprn, row["bin_type"], row["last_collection"])
            error = response.get_json().get("error") if response.status_code >= 400 else None
            assert error == expected_errors[row["missed_report"]], (uprn, row)
    assert seen == {"open", "not_over", "too_late"}


def test_collections_for_unknown_or_missing_uprn(client):
    assert client.get("/waste/collections?uprn=100090000099").status_code == 404
    assert client.get("/waste/collections").status_code == 400
    assert client.get("/waste/collections?uprn=abc").status_code == 400


def test_missed_bin_on_collection_day_before_five_pm_is_refused(client):
    response = missed(client, MILL_LANE, "general", "2026-12-02")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "collection_not_over"
    assert "5pm" in body["message"]


def test_missed_bin_in_the_future_is_refused(client):
    response = missed(client, CHURCH_STREET, "recycling", "2026-12-04")
    assert response.status_code == 422
    assert response.get_json()["error"] == "collection_not_over"


def test_missed_bin_on_collection_day_after_five_pm_is_accepted(app, client):
    app.config["NOW"] = "2026-12-02T17:05:00"
    response = missed(client, MILL_LANE, "general", "2026-12-02")
    assert response.status_code == 201
    assert response.get_json()["expected_by"] == "2026-12-04"


def test_missed_bin_two_days_later_is_accepted(client):
    response = missed(client, STATION_COURT, "general", "2026-11-30")
    assert response.status_code == 201
    assert response.get_json() == {
        "reference": "MB-000121",
        "uprn": STATION_COURT,
        "bin_type": "general",
        "collection_date": "2026-11-30",
        "expected_by": "2026-12-04",
    }
    assert missed(client, ORCHARD_CLOSE, "general", "2026-12-01").get_json()["reference"] == "MB-000122"


def test_missed_bin_more_than_two_days_later_is_too_late(client):
    response = missed(client, CHURCH_STREET, "general", "2026-11-27")
    assert response.status_code == 422
    assert response.get_json()["error"] == "too_late"


def test_missed_bin_on_a_day_without_that_collection_is_refused(client):
    response = missed(client, MILL_LANE, "recycling", "2026-12-02")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "not_a_collection_day"
    assert "every other week on Wednesdays" in body["message"]


def test_missed_bin_reported_twice_is_a_duplicate(client):
    assert missed(client, STATION_COURT, "food", "2026-11-30").status_code == 201
    again = missed(client, STATION_COURT, "food", "2026-11-30")
    assert again.status_code == 409
    body = again.get_json()
    assert body["error"] == "duplicate_report"
    assert body["reference"] == "MB-000121"


def test_missed_bin_for_unknown_uprn_is_404(client):
    response = missed(client, "100090000099", "general", "2026-11-30")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_uprn"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"bin_type": "general", "collection_date": "2026-11-30"},
        {"uprn": STATION_COURT, "collection_date": "2026-11-30"},
        {"uprn": STATION_COURT, "bin_type": "general"},
        {"uprn": STATION_COURT, "bin_type": "blue", "collection_date": "2026-11-30"},
        {"uprn": STATION_COURT, "bin_type": "general", "collection_date": "30/11/2026"},
        {"uprn": 100090000007, "bin_type": "general", "collection_date": "2026-11-30"},
        {"uprn": "1" * 5000, "bin_type": "general", "collection_date": "2026-11-30"},
    ],
)
def test_missed_bin_with_missing_or_bad_fields_is_400(client, body):
    response = client.post("/waste/missed", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_missed_bin_with_malformed_json_is_400(client):
    response = client.post("/waste/missed", data='{"uprn": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_recycling_a_to_z_finds_pizza_boxes_first(client):
    body = client.get("/waste/items", query_string={"q": "pizza box"}).get_json()
    assert body[0] == {
        "item": "Pizza boxes",
        "bin_type": "recycling",
        "note": body[0]["note"],
    }
    assert len(body) <= 5


def test_recycling_a_to_z_matches_aliases_typos_and_sentences(client):
    def first(q):
        return client.get("/waste/items", query_string={"q": q}).get_json()[0]["item"]

    assert first("diapers") == "Nappies"
    assert first("yogurt pot") == "Yoghurt pots"
    assert first("can I recycle glass bottles") == "Glass bottles"
    assert first("battery") == "Batteries"
    assert client.get("/waste/items", query_string={"q": "spaceship"}).get_json() == []


def test_recycling_a_to_z_names_the_recycling_centre_or_not_accepted(client):
    assert client.get("/waste/items?q=mattress").get_json()[0]["bin_type"] == "recycling_centre"
    assert client.get("/waste/items?q=asbestos").get_json()[0]["bin_type"] == "not_accepted"


def test_recycling_a_to_z_needs_a_query(client):
    assert client.get("/waste/items").status_code == 400
    assert client.get("/waste/items?q=%20%21").status_code == 400
    assert client.get("/waste/items", query_string={"q": "x" * 201}).status_code == 400


def test_recycling_centres_have_hours_closures_and_materials(client):
    body = client.get("/recycling-centres").get_json()
    assert [site["name"] for site in body] == ["Hollow Road Recycling Centre", "Riverside Recycling Centre"]
    riverside = body[1]
    assert riverside["opening_hours"]["monday"] is None
    assert riverside["closures"][0] == {"date": "2026-12-24", "reason": "Christmas Eve"}
    assert "mattresses" in body[0]["accepts"]
    assert set(riverside) == {"id", "name", "address", "opening_hours", "closures", "accepts", "url"}
