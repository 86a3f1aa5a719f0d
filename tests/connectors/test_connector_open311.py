"""Open311Client against the reference backend and against another GeoReport v2 server."""

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlparse
from xml.etree import ElementTree

import pytest
import requests

from connectors.errors import NotFound, Rejected
from connectors.open311 import Open311Client
from connectors.settings import ConnectorSettings
from tests.connectors.local_servers import local_server, send


@pytest.fixture
def open311(settings):
    return Open311Client(settings)


def test_services_list_the_contract_codes(open311):
    services = open311.services()
    assert [s.service_code for s in services] == ["POTH", "FLYT", "SLGT", "GRAF", "DOGF", "ABVH", "VEGE"]
    assert services[0].metadata is True
    assert next(s for s in services if s.service_code == "DOGF").metadata is False


def test_service_definition_has_attributes_in_order(open311):
    definition = open311.service_definition("FLYT")
    assert [a.code for a in definition.attributes] == ["size", "hazardous"]
    size = definition.attributes[0]
    assert size.datatype == "singlevaluelist"
    assert size.required is False
    assert "car_boot" in [v.key for v in size.values]
    with pytest.raises(NotFound):
        open311.service_definition("NOPE")


def test_create_request_and_read_it_back(open311):
    receipt = open311.create_request(
        "POTH",
        "Deep pothole outside number 3",
        lat=52.41216,
        long=-1.50392,
        email="ann@example.org",
        first_name="Ann",
        last_name="Example",
        phone="01632 960123",
        attributes={"depth": "over_10cm"},
    )
    assert receipt.service_request_id.isdigit()
    assert receipt.token is None
    assert receipt.service_notice.startswith("We inspect potholes")

    request = open311.get_request(receipt.service_request_id)
    assert request.status == "open"
    assert request.service_code == "POTH"
    assert request.description == "Deep pothole outside number 3"
    assert request.lat == pytest.approx(52.41216)
    assert request.requested_datetime == datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    assert request.agency_responsible == "Fernbridge Borough Council Highways"


def test_create_request_with_an_address_string(open311):
    receipt = open311.create_request("FLYT", "Bags dumped by the gate", address_string="Church Street, Fernbridge")
    assert open311.get_request(receipt.service_request_id).address == "Church Street, Fernbridge"


def test_get_requests_by_ids(open311):
    found = open311.get_requests(["10232", "10231", "99999"])
    assert [r.service_request_id for r in found] == ["10232", "10231"]
    assert found[0].status == "closed"
    assert found[0].status_notes == "Cleared by the street cleansing team."
    assert open311.get_requests([]) == []


def test_unknown_request_raises_not_found(open311):
    with pytest.raises(NotFound):
        open311.get_request("99999")


def test_invalid_report_is_rejected_with_the_servers_reason(open311):
    with pytest.raises(Rejected) as error:
        open311.create_request("POTH", "Hole", lat=52.4, long=-1.5, attributes={"depth": "bottomless"})
    assert error.value.code == "400"
    assert "attribute[depth]" in error.value.message
    with pytest.raises(Rejected) as no_location:
        open311.create_request("POTH", "Hole")
    assert "location" in no_location.value.message


def test_bad_open311_api_key_is_rejected(backend):
    client = Open311Client(ConnectorSettings(council_api_url=backend.url, open311_api_key="wrong"))
    with pytest.raises(Rejected) as error:
        client.create_request("POTH", "Hole", address_string="Mill Lane")
    assert error.value.status == 403


def test_jurisdiction_is_sent_when_configured(backend):
    ours = Open311Client(
        ConnectorSettings(
            council_api_url=backend.url,
            council_api_key=backend.api_key,
            open311_api_key=backend.api_key,
            open311_jurisdiction="fernbridge",
        )
    )
    assert ours.services()
    other = Open311Client(
        ConnectorSettings(
            council_api_url=backend.url,
            council_api_key=backend.api_key,
            open311_api_key=backend.api_key,
            open311_jurisdiction="elsewhere.gov",
        )
    )
    with pytest.raises(NotFound):
        other.services()


def test_backend_serves_open311_xml(backend):
    response = requests.get(
        f"{backend.url}/open311/v2/requests/10231.xml", headers={"X-Api-Key": backend.api_key}, timeout=3
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.find("request/service_request_id").text == "10231"
    assert root.find("request/status").text == "open"


class OtherGeoReportServer:
    """Another conforming server: numeric ids, string coordinates, `Z` times, tokens instead of ids."""

    def __init__(self):
        self.posted = []

    def __call__(self, handler):
        url = urlparse(handler.path)
        if handler.command == "POST" and url.path == "/v2/requests.json":
            length = int(handler.headers["Content-Length"])
            self.posted.append(parse_qsl(handler.rfile.read(length).decode()))
            return send(handler, 200, [{"token": "tok-77"}])
        if url.path == "/v2/tokens/tok-77.json":
            return send(handler, 200, [{"service_request_id": 638344, "token": "tok-77"}])
        if url.path == "/v2/services.json":
            return send(
                handler,
                200,
                [{"service_code": "001", "service_name": "Potholes", "metadata": "false", "type": "realtime"}],
            )
        if url.path == "/v2/requests/638344.json":
            return send(
                handler,
                200,
                [
                    {
                        "service_request_id": 638344,
                        "status": "closed",
                        "status_notes": "Fixed.",
                        "service_name": "Potholes",
                        "service_code": "001",
                        "description": None,
                        "agency_responsible": None,
                        "service_notice": None,
                        "requested_datetime": "2026-11-30T09:15:00Z",
                        "updated_datetime": "2026-12-01T16:00:00.25-05:00",
                        "expected_datetime": None,
                        "address": "High Street",
                        "address_id": 545483,
                        "zipcode": 94122,
                        "lat": "52.41",
                        "long": "-1.5",
                        "media_url": None,
                    }
                ],
            )
        if url.path == "/v2/requests/404.json":
            return send(handler, 404, [{"code": 404, "description": "No such request"}])
        return send(handler, 404, b"not found", "text/plain")


def test_client_works_with_another_conforming_server_that_answers_tokens():
    server = OtherGeoReportServer()
    with local_server(server) as url:
        client = Open311Client(ConnectorSettings(open311_url=f"{url}/v2", open311_api_key="their-key"))
        assert client.services()[0].metadata is False
        receipt = client.create_request(
            "001", "Hole in the road", lat=52.41, long=-1.5, attributes={"sides": ["north", "south"], "depth": "5"}
        )
        assert receipt.token == "tok-77"
        assert receipt.service_request_id == "638344"
        fields = server.posted[0]
        assert ("api_key", "their-key") in fields
        assert ("attribute[sides][]", "north") in fields and ("attribute[sides][]", "south") in fields
        assert ("attribute[depth]", "5") in fields
        request = client.get_request("638344")
        assert request.status == "closed"
        assert request.lat == 52.41
        assert request.address_id == "545483"
        assert request.updated_datetime.utcoffset() == timedelta(hours=-5)
        assert request.requested_datetime.tzinfo is not None
        with pytest.raises(NotFound) as error:
            client.get_request("404")
        assert error.value.message == "No such request"


def test_token_that_cannot_be_exchanged_yet_is_kept():
    def respond(handler):
        if handler.command == "POST":
            handler.rfile.read(int(handler.headers["Content-Length"]))
            return send(handler, 200, json.loads('[{"token": "tok-1"}]'))
        return send(handler, 404, [{"code": 404, "description": "Token not processed yet"}])

    with local_server(respond) as url:
        receipt = Open311Client(ConnectorSettings(open311_url=url)).create_request("001", "Hole", address_string="x")
    assert receipt.service_request_id is None
    assert receipt.token == "tok-1"


def test_concurrent_reports_get_distinct_ids(open311):
    from concurrent.futures import ThreadPoolExecutor

    def report(n):
        return open311.create_request("GRAF", f"Tag number {n}", address_string="Church Street").service_request_id

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(report, range(30)))
    assert len(set(ids)) == 30


def test_a_georeport_client_without_a_key_reads_in_json_and_xml_but_cannot_report(backend):
    """GeoReport v2: service lists, definitions and request lookups are public; api_key is for creating."""
    keyless = Open311Client(ConnectorSettings(council_api_url=backend.url))
    assert [s.service_code for s in keyless.services()][0] == "POTH"
    assert [a.code for a in keyless.service_definition("FLYT").attributes] == ["size", "hazardous"]
    assert keyless.get_request("10231").status == "open"
    for path in ("services.xml", "services/FLYT.xml", "requests.xml", "requests/10231.xml"):
        answer = requests.get(f"{backend.url}/open311/v2/{path}", timeout=3)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].startswith("text/xml")
        ElementTree.fromstring(answer.content)
    with pytest.raises(Rejected) as refused:
        keyless.create_request("POTH", "Hole", address_string="Mill Lane")
    assert refused.value.status == 403
