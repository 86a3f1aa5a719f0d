"""The A to Z of services: GET /services, the ranked search, adding residents' words, key rules and bad input."""

import yaml
from sqlalchemy import create_engine, delete

from council_backend import create_app
from council_backend.models import DirectoryService
from council_backend.seed import SEED_DIR
from tests.backend_server import API_KEY, FIXED_NOW

SEEDED = yaml.safe_load((SEED_DIR / "services.yml").read_text())["services"]


def test_services_lists_the_whole_directory_in_the_seed_order(client):
    response = client.get("/services")
    assert response.status_code == 200
    body = response.get_json()
    assert [row["id"] for row in body] == [service["id"] for service in SEEDED]
    badge = next(row for row in body if row["id"] == "blue-badge")
    assert set(badge) == {"id", "title", "answer", "url", "department", "terms", "task", "task_entities"}
    assert badge["url"].startswith("https://www.fernbridge.gov.example/")
    assert "disabled badge" in badge["terms"] and badge["task"] is None


def test_directory_has_at_least_170_services_with_unique_ids_and_the_issue_areas(client):
    body = client.get("/services").get_json()
    ids = [row["id"] for row in body]
    assert len(ids) >= 170 and len(set(ids)) == len(ids)
    for required in ("housing-benefit", "council-tax-support", "discretionary-housing-payments", "food-banks",
                     "free-school-meals", "household-support-fund", "carers-support", "blue-badge", "bus-pass",
                     "disabled-facilities-grant", "register-birth", "marriage-civil-partnership",
                     "citizenship-ceremony", "school-admissions", "school-transport", "send-support", "pest-control",
                     "dead-animals", "abandoned-trolleys", "public-toilets", "gritting", "dropped-kerbs",
                     "skip-licence", "scaffold-licence", "parking-suspension", "taxi-licensing", "alcohol-licensing",
                     "street-trading", "hmo-licence", "empty-homes", "building-control", "business-rates",
                     "freedom-of-information", "councillors", "consultations", "jobs", "allotments",
                     "leisure-centres", "domestic-abuse", "replacement-bin", "assisted-bin-collection",
                     "christmas-collections", "commercial-waste"):
        assert required in ids, required


def test_catalogue_tasks_are_marked_with_their_intent(client):
    body = {row["id"]: row for row in client.get("/services").get_json()}
    assert body["report-pothole"]["task"] == "report_problem"
    assert body["report-pothole"]["task_entities"] == {"problem_type": "pothole"}
    assert body["bin-collection-day"]["task"] == "bin_collection_day"


def test_search_ranks_a_misspelt_keyword_first_with_a_score(client):
    response = client.get("/services/search?q=blue bage")
    assert response.status_code == 200
    body = response.get_json()
    assert body[0]["id"] == "blue-badge"
    assert 0 < body[-1]["score"] <= body[0]["score"] <= 1
    assert len(body) <= 3


def test_search_finds_a_service_by_a_residents_phrase(client):
    assert client.get("/services/search?q=rats in my garden").get_json()[0]["id"] == "pest-control"


def test_search_limit_is_checked(client):
    assert len(client.get("/services/search?q=parking&limit=7").get_json()) == 7
    for bad in ("0", "11", "two", "-1"):
        response = client.get(f"/services/search?q=parking&limit={bad}")
        assert response.status_code == 400, bad
        assert response.get_json()["error"] == "invalid_request"


def test_search_without_words_or_with_too_many_is_refused(client):
    for query in ("", "q=", "q=%20%20", "q=" + "x" * 201):
        response = client.get(f"/services/search?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"] == "invalid_request"


def test_search_for_punctuation_only_is_an_empty_list(client):
    assert client.get("/services/search?q=%3F%3F%3F").get_json() == []


def test_one_service_by_id_and_an_unknown_one(client):
    assert client.get("/services/food-banks").get_json()["title"] == "Food banks and emergency food"
    response = client.get("/services/no-such-service")
    assert response.status_code == 404
    assert response.get_json()["error"] == "unknown_service"


def test_directory_needs_the_api_key(anonymous):
    for path in ("/services", "/services/search?q=blue badge", "/services/blue-badge"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["error"] == "invalid_api_key"
    assert anonymous.post("/services/blue-badge/terms", json={"term": "x"}).status_code == 401


def test_a_term_added_by_staff_is_kept_and_changes_the_search(client):
    before = client.get("/services/search?q=wonky paving slab outside number 4").get_json()
    assert not before or before[0]["id"] != "pavements" or before[0]["score"] < 0.9
    response = client.post("/services/pavements/terms", json={"term": "  wonky   paving slab "})
    assert response.status_code == 201
    assert response.get_json()["terms"][-1] == "wonky paving slab"
    again = client.post("/services/pavements/terms", json={"term": "Wonky Paving Slab"})
    assert again.status_code == 200
    assert again.get_json()["terms"].count("wonky paving slab") == 1
    after = client.get("/services/search?q=wonky paving slab outside number 4").get_json()
    assert after[0]["id"] == "pavements"
    assert after[0]["score"] > (before[0]["score"] if before else 0)


def test_adding_a_term_refuses_bad_input(client):
    assert client.post("/services/no-such-service/terms", json={"term": "x"}).status_code == 404
    for body in ({}, {"term": ""}, {"term": 5}, {"term": "x" * 101}, {"term": "bad\x00word"}, ["term"]):
        response = client.post("/services/blue-badge/terms", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"] == "invalid_request"
    response = client.post("/services/blue-badge/terms", data="not json", content_type="application/json")
    assert response.status_code == 400


def test_directory_is_loaded_into_a_database_seeded_before_it_existed(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    create_app({"DATABASE_URL": url, "API_KEY": API_KEY, "NOW": FIXED_NOW})
    with create_engine(url).begin() as connection:
        connection.execute(delete(DirectoryService))
    app = create_app({"DATABASE_URL": url, "API_KEY": API_KEY, "NOW": FIXED_NOW})
    body = app.test_client().get("/services", headers={"X-Api-Key": API_KEY}).get_json()
    assert len(body) == len(SEEDED)
