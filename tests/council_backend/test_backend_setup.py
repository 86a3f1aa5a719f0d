"""Configuration, seeding, the OpenAPI description and PostgreSQL by URL."""

import re
import uuid

import pytest
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from council_backend import create_app
from council_backend.models import Address, RecyclingItem
from tests.backend_server import API_KEY, FIXED_NOW, REPO_ROOT

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", re.sub(r"<any\([^)]*\):", "<", rule))


def test_openapi_documents_every_route_and_method(app):
    document = yaml.safe_load((REPO_ROOT / "council_backend" / "openapi.yaml").read_text())
    assert document["openapi"].startswith("3.0")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _openapi_path(rule.rule)
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {path}"


def test_openapi_is_served_as_json(client):
    body = client.get("/openapi.json").get_json()
    assert body["info"]["title"].startswith("Fernbridge")
    assert "/waste/missed" in body["paths"]


def test_seeding_twice_keeps_one_copy(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    create_app({"DATABASE_URL": url, "API_KEY": API_KEY, "NOW": FIXED_NOW})
    create_app({"DATABASE_URL": url, "API_KEY": API_KEY, "NOW": FIXED_NOW})
    with Session(create_engine(url)) as session:
        assert session.execute(select(func.count()).select_from(Address)).scalar() == 21
        assert session.execute(select(func.count()).select_from(RecyclingItem)).scalar() >= 60


def test_database_url_clock_and_key_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNCIL_BACKEND_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("COUNCIL_BACKEND_NOW", "2026-12-07T18:00:00")
    monkeypatch.setenv("COUNCIL_API_KEY", "env-key")
    app = create_app()
    assert (tmp_path / "env.db").exists()
    client = app.test_client()
    assert client.get("/libraries").status_code == 401
    body = client.get("/waste/collections?uprn=100090000007", headers={"X-Api-Key": "env-key"}).get_json()
    assert body[0]["next_collection"] == "2026-12-07"


def test_in_memory_database_works(tmp_path):
    app = create_app({"DATABASE_URL": "sqlite://", "API_KEY": None, "ALLOW_NO_KEY": True, "NOW": FIXED_NOW})
    assert len(app.test_client().get("/libraries").get_json()) == 3


def test_malformed_clock_setting_fails_at_start_up(tmp_path):
    with pytest.raises(ValueError):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "NOW": "next Tuesday"})


@pytest.mark.scale_out
def test_postgresql_by_url_serves_and_records_reports():
    """Runs against a real PostgreSQL; fails (never skips) when it is unreachable."""
    schema = f"council_backend_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        app = create_app({"DATABASE_URL": url, "API_KEY": API_KEY, "NOW": FIXED_NOW})
        client = app.test_client()
        client.environ_base["HTTP_X_API_KEY"] = API_KEY
        assert len(client.get("/addresses?postcode=FB2 4BT").get_json()) == 6
        report = client.post(
            "/waste/missed", json={"uprn": "100090000007", "bin_type": "general", "collection_date": "2026-11-30"}
        )
        assert report.status_code == 201
        duplicate = client.post(
            "/waste/missed", json={"uprn": "100090000007", "bin_type": "general", "collection_date": "2026-11-30"}
        )
        assert duplicate.status_code == 409
        created = client.post(
            "/open311/v2/requests.json",
            data={"service_code": "FLYT", "address_string": "Mill Lane", "description": "Sofa dumped"},
        )
        assert created.get_json()[0]["service_request_id"] == "10238"
        assert client.get("/council-tax/band?uprn=100090000021").get_json()["annual_charge"] == 4368.6
        # A second app on the same database finds it seeded and does not seed again.
        again = create_app({"DATABASE_URL": url, "API_KEY": API_KEY, "NOW": FIXED_NOW}).test_client()
        assert len(again.get("/contacts", headers={"X-Api-Key": API_KEY}).get_json()) == 12
        app.extensions["council_backend"]["engine"].dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
