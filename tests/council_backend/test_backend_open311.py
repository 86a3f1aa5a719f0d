"""Open311 GeoReport v2: JSON and XML, service definitions, create, list, errors."""

from xml.etree import ElementTree

import pytest

from tests.backend_server import API_KEY

BASE = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def create(client, fmt="json", **fields):
    form = {"service_code": "POTH", "lat": "52.4122", "long": "-1.5037", "description": "Pothole by the kerb"}
    form.update(fields)
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def test_service_list_in_json_has_the_contract_codes(client):
    body = client.get(f"{BASE}/services.json").get_json()
    assert [s["service_code"] for s in body] == ["POTH", "FLYT", "SLGT", "GRAF", "DOGF", "ABVH", "VEGE"]
    assert set(body[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert body[0]["metadata"] is True


def test_service_list_in_xml(client):
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "services"
    first = root.find("service")
    assert first.findtext("service_code") == "POTH"
    assert first.findtext("metadata") == "true"


def test_service_definition_lists_attributes_in_json_and_xml(client):
    body = client.get(f"{BASE}/services/POTH.json").get_json()
    assert body["service_code"] == "POTH"
    depth = body["attributes"][0]
    assert depth["code"] == "depth"
    assert depth["datatype"] == "singlevaluelist"
    assert depth["variable"] is True
    assert {"key": "over_10cm", "name": "More than 10cm"} in depth["values"]
    root = ElementTree.fromstring(client.get(f"{BASE}/services/FLYT.xml").data)
    assert root.tag == "service_definition"
    codes = [a.findtext("code") for a in root.find("attributes").findall("attribute")]
    assert codes == ["size", "hazardous"]
    keys = [v.findtext("key") for v in root.find("attributes/attribute/values").findall("value")]
    assert "car_boot" in keys


def test_unknown_service_definition_is_a_404_error_list(client):
    response = client.get(f"{BASE}/services/NOPE.json")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404
    xml = client.get(f"{BASE}/services/NOPE.xml")
    root = ElementTree.fromstring(xml.data)
    assert root.tag == "errors"
    assert root.find("error/code").text == "404"


def test_created_request_reads_back_in_both_formats(client):
    response = create(client, **{"attribute[depth]": "over_10cm", "email": "ann@example.org", "first_name": "Ann"})
    assert response.status_code == 201
    receipt = response.get_json()
    assert len(receipt) == 1
    assert receipt[0]["service_request_id"] == "10238"
    assert receipt[0]["service_notice"].startswith("We inspect potholes")
    request_id = receipt[0]["service_request_id"]

    body = client.get(f"{BASE}/requests/{request_id}.json").get_json()
    assert len(body) == 1
    assert set(body[0]) == REQUEST_FIELDS
    assert body[0]["status"] == "open"
    assert body[0]["service_name"] == "Pothole"
    assert body[0]["requested_datetime"] == "2026-12-02T10:00:00+00:00"
    assert body[0]["lat"] == pytest.approx(52.4122)
    assert "ann@example.org" not in str(body)  # residents' details are never published

    root = ElementTree.fromstring(client.get(f"{BASE}/requests/{request_id}.xml").data)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == request_id
    assert root.find("request/long").text == "-1.5037"


def test_create_answers_in_xml_when_asked(client):
    root = ElementTree.fromstring(create(client, fmt="xml").data)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.isdigit()


def test_create_with_address_id_fills_address_and_coordinates(client):
    receipt = create(client, lat=None, long=None, address_id="100090000013").get_json()
    body = client.get(f"{BASE}/requests/{receipt[0]['service_request_id']}.json").get_json()[0]
    assert body["address"] == "2 Orchard Close, Fernbridge"
    assert body["zipcode"] == "FB3 7QE"
    assert body["lat"] == pytest.approx(52.4163)


def test_create_with_address_string_only(client):
    response = create(client, lat=None, long=None, address_string="Outside the Co-op, High Street")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"lat": None, "long": None}, "location is required"),
        ({"long": None}, "both lat and long"),
        ({"lat": "north"}, "decimal degrees"),
        ({"lat": "123"}, "between -90 and 90"),
        ({"service_code": None}, "service_code is required"),
        ({"service_code": "XXXX"}, "not a service"),
        ({"description": None}, "description is required"),
        ({"description": "x" * 4001}, "4,000 characters"),
        ({"description": "bad\x00byte"}, "control characters"),
        ({"attribute[depth]": "bottomless"}, "must be one of"),
        ({"attribute[colour]": "red"}, "not an attribute"),
        ({"email": "ann at example"}, "not a valid email"),
        ({"address_id": "100090000099", "lat": None, "long": None}, "not a known UPRN"),
    ],
)
def test_create_with_bad_fields_is_a_400_error_list(client, fields, words):
    response = create(client, **fields)
    assert response.status_code == 400
    body = response.get_json()
    assert body[0]["code"] == 400
    assert words in body[0]["description"]


def test_create_accepts_the_api_key_form_field(anonymous):
    response = create(anonymous, api_key=API_KEY)
    assert response.status_code == 201


def test_create_with_bad_api_key_is_403_in_both_formats(anonymous):
    response = create(anonymous, api_key="wrong")
    assert response.status_code == 403
    assert response.get_json() == [{"code": 403, "description": response.get_json()[0]["description"]}]
    xml = create(anonymous, fmt="xml", api_key="wrong")
    assert xml.status_code == 403
    assert ElementTree.fromstring(xml.data).find("error/code").text == "403"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_reads_are_public_as_georeport_v2_says(anonymous, fmt):
    for path in (f"services.{fmt}", f"services/FLYT.{fmt}", f"requests.{fmt}", f"requests/10231.{fmt}",
                 f"requests.{fmt}?service_request_id=10231,10233"):
        answer = anonymous.get(f"{BASE}/{path}")
        assert answer.status_code == 200, path
    assert anonymous.get(f"{BASE}/services.json", query_string={"api_key": "wrong"}).status_code == 200


def test_creating_a_request_without_the_key_is_403_in_both_formats(anonymous):
    for fmt in ("json", "xml"):
        answer = create(anonymous, fmt=fmt)
        assert answer.status_code == 403, fmt
    assert "api_key" in create(anonymous).get_json()[0]["description"]


@pytest.mark.parametrize("request_id", ["²", "¹²³", "١٠٢٣١", "10231²", "+10231", " 10231", "1e3", "0x10"])
def test_request_ids_in_other_digits_are_404_not_500(client, request_id):
    for fmt in ("json", "xml"):
        answer = client.get(f"{BASE}/requests/{request_id}.{fmt}")
        assert answer.status_code == 404, (request_id, fmt)
    listed = client.get(f"{BASE}/requests.json", query_string={"service_request_id": f"{request_id},10231"})
    assert listed.status_code == 200
    assert [r["service_request_id"] for r in listed.get_json()] == ["10231"]


def test_list_by_ids_keeps_the_order_asked_and_skips_unknown(client):
    body = client.get(f"{BASE}/requests.json?service_request_id=10233,99999,10231,abc").get_json()
    assert [r["service_request_id"] for r in body] == ["10233", "10231"]
    assert body[1]["status_notes"].startswith("Inspected")


def test_list_filters_by_status_and_service_code(client):
    closed = client.get(f"{BASE}/requests.json?status=closed").get_json()
    assert {r["service_request_id"] for r in closed} == {"10232", "10234", "10237"}
    assert all(r["status"] == "closed" for r in closed)
    potholes = client.get(f"{BASE}/requests.json?service_code=POTH").get_json()
    assert [r["service_request_id"] for r in potholes] == ["10231"]


def test_list_defaults_to_the_last_90_days_newest_first(client):
    body = client.get(f"{BASE}/requests.json").get_json()
    assert len(body) >= 5
    stamps = [r["requested_datetime"] for r in body]
    assert stamps == sorted(stamps, reverse=True)


def test_list_by_date_range(client):
    body = client.get(
        f"{BASE}/requests.json", query_string={"start_date": "2026-11-25T00:00:00Z", "end_date": "2026-12-02T23:59:59Z"}
    ).get_json()
    assert {r["service_request_id"] for r in body} == {"10233", "10235"}


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
        {"start_date": "2026-12-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
        {"status": "pending"},
    ],
)
def test_list_with_bad_filters_is_400(client, query):
    response = client.get(f"{BASE}/requests.json", query_string=query)
    assert response.status_code == 400
    assert response.get_json()[0]["code"] == 400


def test_unknown_request_is_a_404_error_list(client):
    for request_id in ("99999", "abc"):
        response = client.get(f"{BASE}/requests/{request_id}.json")
        assert response.status_code == 404
        assert response.get_json()[0]["code"] == 404


def test_jurisdiction_id_is_accepted_when_it_is_ours(client):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=fernbridge").status_code == 200
    other = client.get(f"{BASE}/services.json?jurisdiction_id=elsewhere.gov")
    assert other.status_code == 404
    assert "jurisdiction_id" in other.get_json()[0]["description"]
    assert create(client, jurisdiction_id="fernbridge").status_code == 201


def test_unknown_format_and_path_answer_open311_errors(client):
    assert client.get(f"{BASE}/services.csv").get_json()[0]["code"] == 404
    assert client.put(f"{BASE}/requests.json").get_json()[0]["code"] == 405


def test_huge_form_body_is_413_in_open311_shape(client):
    response = client.post(f"{BASE}/requests.json", data={"description": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert response.get_json()[0]["code"] == 413
