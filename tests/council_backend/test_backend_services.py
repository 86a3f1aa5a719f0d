"""Addresses, council tax, planning, libraries, contacts, cases and the API key, via Flask's test client."""

import logging
import os
import subprocess
import sys

import pytest
import yaml

from council_backend import create_app
from council_backend.settings import MissingApiKey
from tests.backend_server import API_KEY, REPO_ROOT, free_port


def test_health_needs_no_api_key(anonymous):
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_request_without_api_key_is_refused_with_401(anonymous):
    response = anonymous.get("/addresses?postcode=FB1 2AA")
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_api_key"


def test_request_with_wrong_api_key_is_refused(anonymous):
    response = anonymous.get("/libraries", headers={"X-Api-Key": "wrong"})
    assert response.status_code == 401


def test_backend_without_api_key_refuses_to_start(make_app):
    with pytest.raises(MissingApiKey, match="COUNCIL_BACKEND_ALLOW_NO_KEY=1"):
        make_app(API_KEY=None)


def test_backend_without_api_key_is_open_only_as_an_explicit_demo_with_a_loud_warning(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        app = make_app(API_KEY=None, ALLOW_NO_KEY=True)
    assert "WARNING: no API key" in caplog.text and "Local demonstration only" in caplog.text
    assert app.test_client().get("/libraries").status_code == 200


def test_the_demo_without_a_key_is_asked_for_with_its_own_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("COUNCIL_API_KEY", raising=False)
    monkeypatch.setenv("COUNCIL_BACKEND_DB_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    for value in ("", "0", "yes please"):
        monkeypatch.setenv("COUNCIL_BACKEND_ALLOW_NO_KEY", value)
        with pytest.raises(MissingApiKey):
            create_app()
    monkeypatch.setenv("COUNCIL_BACKEND_ALLOW_NO_KEY", "1")
    assert create_app().test_client().get("/libraries").status_code == 200


def test_run_command_without_a_key_exits_saying_how_to_start(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in ("COUNCIL_API_KEY", "COUNCIL_BACKEND_ALLOW_NO_KEY")}
    env.update(COUNCIL_BACKEND_DB_URL=f"sqlite:///{tmp_path / 'refused.db'}", PYTHONPATH=str(REPO_ROOT))
    finished = subprocess.run([sys.executable, "-m", "council_backend", "--port", str(free_port())], cwd=REPO_ROOT,
                              env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert "set COUNCIL_API_KEY" in finished.stderr and "COUNCIL_BACKEND_ALLOW_NO_KEY=1" in finished.stderr


def test_ids_and_counts_in_other_digits_are_refused_not_a_500(client):
    """'²'.isdigit() is true but int('²') raises; '٣' is a digit int() reads as 3."""
    for path in ("/services/search?q=bins&limit=²", "/services/search?q=bins&limit=٣"):
        answer = client.get(path)
        assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request", path
    assert client.get("/addresses/١٠٠٠٩٠٠٠٠٠٠١").status_code in (400, 404)
    assert client.get("/planning/applications/٢٤/٠١٢٣٤/FUL").status_code in (400, 404)


def test_addresses_by_postcode_accept_any_spacing_and_case(client):
    response = client.get("/addresses?postcode=fb12aa")
    assert response.status_code == 200
    body = response.get_json()
    assert [row["address"] for row in body] == [f"{n} Mill Lane, Fernbridge" for n in (1, 3, 5, 7, 9, 11)]
    assert body[0] == {
        "uprn": "100090000001",
        "address": "1 Mill Lane, Fernbridge",
        "postcode": "FB1 2AA",
        "lat": body[0]["lat"],
        "lon": body[0]["lon"],
    }
    assert all(len(row["uprn"]) == 12 and row["uprn"].startswith("1000900000") for row in body)


def test_every_contract_postcode_has_its_addresses(client):
    counts = {
        code: len(client.get(f"/addresses?postcode={code}").get_json())
        for code in ("FB1 2AA", "FB2 4BT", "FB3 7QE", "FB4 9HX")
    }
    assert counts == {"FB1 2AA": 6, "FB2 4BT": 6, "FB3 7QE": 4, "FB4 9HX": 5}
    flats = client.get("/addresses?postcode=FB2 4BT").get_json()
    assert flats[0]["address"] == "Flat 1, Station Court, Station Road, Fernbridge"


def test_invalid_postcode_is_refused_with_400(client):
    for bad in ("", "hello", "FB1", "X" * 5000):
        response = client.get("/addresses", query_string={"postcode": bad})
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_postcode"


def test_valid_postcode_outside_the_borough_is_404(client):
    response = client.get("/addresses?postcode=SW1A 1AA")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_postcode"


def test_address_by_uprn_and_unknown_or_malformed_uprn(client):
    assert client.get("/addresses/100090000013").get_json()["address"] == "2 Orchard Close, Fernbridge"
    assert client.get("/addresses/100090000099").get_json()["error"] == "unknown_uprn"
    malformed = client.get("/addresses/12ab")
    assert malformed.status_code == 400
    assert malformed.get_json()["error"] == "invalid_request"


def test_council_tax_band_uses_the_financial_year_of_the_clock(client):
    body = client.get("/council-tax/band?uprn=100090000003").get_json()
    assert body == {
        "uprn": "100090000003",
        "address": "5 Mill Lane, Fernbridge",
        "band": "D",
        "annual_charge": 2184.3,
        "financial_year": "2026/27",
    }


def test_council_tax_band_in_march_uses_the_previous_year(make_app):
    client = make_app(NOW="2026-03-31T12:00:00").test_client()
    body = client.get("/council-tax/band?uprn=100090000003", headers={"X-Api-Key": API_KEY}).get_json()
    assert body["financial_year"] == "2025/26"


def test_council_tax_band_needs_a_uprn(client):
    assert client.get("/council-tax/band").status_code == 400
    assert client.get("/council-tax/band?uprn=100090000099").status_code == 404


def test_planning_application_found_whatever_the_case(client):
    body = client.get("/planning/applications", query_string={"reference": "24/01234/ful"}).get_json()
    assert body["reference"] == "24/01234/FUL"
    assert body["status"] == "decided"
    assert body["decision"] == "approved_with_conditions"
    assert body["received_date"] == "2024-09-16"
    pending = client.get("/planning/applications", query_string={"reference": "25/00321/HOU"}).get_json()
    assert pending["decision"] is None


def test_planning_reference_not_shaped_like_one_is_400_and_unknown_is_404(client):
    bad = client.get("/planning/applications", query_string={"reference": "hello"})
    assert bad.status_code == 400
    assert bad.get_json()["error"] == "invalid_reference"
    unknown = client.get("/planning/applications", query_string={"reference": "24/99999/FUL"})
    assert unknown.status_code == 404
    assert unknown.get_json()["error"] == "unknown_application"
    assert client.get("/planning/applications").status_code == 400


def test_libraries_have_hours_and_christmas_closures(client):
    body = client.get("/libraries").get_json()
    assert [lib["name"] for lib in body] == ["Central Library", "Millbrook Library", "Eastgate Library"]
    central = body[0]
    assert set(central) == {"id", "name", "address", "opening_hours", "closures", "url"}
    assert central["opening_hours"]["sunday"] == "11:00-15:00"
    assert body[1]["opening_hours"]["monday"] is None
    dates = [closure["date"] for closure in central["closures"]]
    assert dates[:3] == ["2026-12-25", "2026-12-26", "2027-01-01"]


def test_contacts_list_and_filter_by_department(client):
    everything = client.get("/contacts").get_json()
    assert len(everything) == 12
    housing = client.get("/contacts?department=housing").get_json()
    assert len(housing) == 1
    assert housing[0]["out_of_hours_phone"] == "01632 960911"
    assert set(housing[0]) == {"department", "name", "phone", "email", "hours", "url", "out_of_hours_phone"}


def test_contacts_for_an_unknown_department_is_400(client):
    response = client.get("/contacts?department=dragons")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_case_is_created_with_a_reference(client):
    response = client.post(
        "/cases",
        json={
            "reason": "Resident asked for a person about a council tax bill",
            "conversation_id": "abc-123",
            "transcript_url": "https://chat.fernbridge.gov.example/transcripts/abc-123",
            "channel": "chat",
            "contact": {"name": "Ann Example", "phone": "01632 960123", "email": "ann@example.org"},
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["reference"] == "CC-000045"
    assert "phone you" in body["expected_response"]
    second = client.post("/cases", json={"reason": "Call me back", "contact": {"email": "ann@example.org"}})
    assert second.get_json()["reference"] == "CC-000046"
    assert "email you" in second.get_json()["expected_response"]


def test_case_with_huge_reason_is_400(client):
    response = client.post("/cases", json={"reason": "x" * 5001})
    assert response.status_code == 400
    assert "5,000 characters" in response.get_json()["message"]


def test_case_with_bad_fields_is_400(client):
    for body in (
        {},
        {"reason": ""},
        {"reason": 42},
        {"reason": "ok", "contact": "Ann"},
        {"reason": "ok", "contact": {"email": "not an email"}},
        {"reason": "ok", "contact": {"phone": "call me maybe"}},
        {"reason": "ok", "transcript_url": "javascript:alert(1)"},
        {"reason": "ok", "department": "dragons"},
    ):
        response = client.post("/cases", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"] == "invalid_request"


def test_malformed_json_is_400_not_500(client):
    response = client.post("/cases", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request", "message": "The request body must be valid JSON."}
    array = client.post("/cases", json=["reason"])
    assert array.status_code == 400


def test_body_over_one_megabyte_is_413(client):
    response = client.post("/cases", data=b"{" + b" " * (1024 * 1024 + 1) + b"}", content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_too_large"


def test_unknown_path_and_wrong_method_answer_json(client):
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "not_found"
    wrong = client.delete("/cases")
    assert wrong.status_code == 405
    assert wrong.get_json()["error"] == "method_not_allowed"


def test_seed_files_hold_the_data_the_contract_promises():
    from council_backend.seed import SEED_DIR

    items = yaml.safe_load((SEED_DIR / "recycling_a_to_z.yml").read_text())["items"]
    assert len(items) >= 60
    assert all(item["note"] and item["bin_type"] for item in items)
    requests_seeded = yaml.safe_load((SEED_DIR / "open311.yml").read_text())["requests"]
    assert len(requests_seeded) >= 5
    assert len(yaml.safe_load((SEED_DIR / "planning.yml").read_text())["applications"]) >= 4
