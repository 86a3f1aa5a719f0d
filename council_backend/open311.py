"""Open311 GeoReport v2 endpoints for street problems, in JSON and XML as the standard requires."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from council_backend import clock, db, idempotency
from council_backend.errors import ApiError
from council_backend.models import Address, IdempotentSubmission, Open311Service, ServiceRequest
from council_backend.seed import load_yaml
from council_backend.validation import email_value, phone_value, text_field, url_value, whole_number

blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any(json, xml):format>"
MAX_DESCRIPTION_LENGTH = 4000  # GeoReport v2: "free form text limited to 4,000 characters"
MAX_IDS_PER_QUERY = 100
MAX_ID_DIGITS = 9  # service request ids are numbers below 10^9
MAX_RESULTS = 1000  # GeoReport v2 lets a server cap the list at 1000
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2 default and maximum date range
STATUSES = ("open", "closed")
ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")
# XML element names for members of a list, as the GeoReport v2 examples write them.
XML_LIST_ITEMS = {"attributes": "attribute", "values": "value"}


class Open311Error(Exception):
    """A GeoReport v2 error: rendered as `[{"code": status, "description": ...}]` with that status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _wants_xml() -> bool:
    return request.path.endswith(".xml")


def _append_xml(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, child in value.items():
            _append_xml(element, key, child)
    elif isinstance(value, list):
        for child in value:
            _append_xml(element, XML_LIST_ITEMS.get(tag, "item"), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(payload: Any, root: str, item: str | None = None, status: int = 200) -> Response:
    """Answer in the format the path asked for: a JSON array/object, or the equivalent XML document."""
    if not _wants_xml():
        response = jsonify(payload)
    else:
        root_element = ElementTree.Element(root)
        if item is None:
            for key, value in payload.items():
                _append_xml(root_element, key, value)
        else:
            for entry in payload:
                _append_xml(root_element, item, entry)
        body = ElementTree.tostring(root_element, encoding="unicode")
        response = Response(f'<?xml version="1.0" encoding="utf-8"?>\n{body}', mimetype="text/xml")
    response.status_code = status
    return response


def open311_error(status: int, description: str) -> Response:
    """Render an error the way GeoReport v2 clients expect, in the path's format."""
    return render([{"code": status, "description": description}], "errors", "error", status=status)


@blueprint.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return open311_error(error.status, error.description)


@blueprint.errorhandler(ApiError)
def _shared_validation_error(error: ApiError) -> Response:
    return open311_error(error.status, error.message)


@lru_cache(maxsize=4)
def _jurisdiction(seed_dir: str) -> str:
    return str(load_yaml(Path(seed_dir), "council.yml")["jurisdiction_id"])


@blueprint.before_request
def _check_jurisdiction() -> None:
    """Accept `jurisdiction_id` when it names this council; a single-council server may ignore it."""
    values = request.args if request.method == "GET" else request.form
    given = values.get("jurisdiction_id") or request.args.get("jurisdiction_id")
    expected = _jurisdiction(current_app.config["SEED_DIR"])
    if given and given.strip() != expected:
        raise Open311Error(404, f"jurisdiction_id {given[:100]!r} was not found: this server serves {expected}.")


def _service_json(service: Open311Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.metadata_,
        "type": service.type,
        "keywords": service.keywords,
        "group": service.group,
    }


def _attribute_json(attribute: dict[str, Any]) -> dict[str, Any]:
    return {
        "variable": bool(attribute.get("variable", True)),
        "code": attribute["code"],
        "datatype": attribute["datatype"],
        "required": bool(attribute.get("required", False)),
        "datatype_description": attribute.get("datatype_description"),
        "order": attribute.get("order"),
        "description": attribute.get("description"),
        "values": [{"key": str(v["key"]), "name": v["name"]} for v in attribute.get("values") or []],
    }


def request_json(report: ServiceRequest) -> dict[str, Any]:
    """Render a service request with every GeoReport v2 field; residents' contact details stay private."""
    return {
        "service_request_id": str(report.id),
        "status": report.status,
        "status_notes": report.status_notes,
        "service_name": report.service.service_name,
        "service_code": report.service_code,
        "description": report.description,
        "agency_responsible": report.service.agency_responsible,
        "service_notice": report.service.service_notice,
        "requested_datetime": clock.w3c(report.requested_at),
        "updated_datetime": clock.w3c(report.updated_at),
        "expected_datetime": clock.w3c(report.expected_at),
        "address": report.address,
        "address_id": report.address_id,
        "zipcode": report.postcode,
        "lat": report.lat,
        "long": report.lon,
        "media_url": report.media_url,
    }


@blueprint.get(f"/services.{FORMAT}")
def services(format: str) -> Response:
    """List the problem types residents can report (GET Service List)."""
    rows = db.session().execute(select(Open311Service).order_by(Open311Service.sort_order)).scalars().all()
    return render([_service_json(row) for row in rows], "services", "service")


@blueprint.get(f"/services/<service_code>.{FORMAT}")
def service_definition(service_code: str, format: str) -> Response:
    """Describe the extra questions (attributes) a service asks (GET Service Definition)."""
    service = db.session().get(Open311Service, service_code)
    if service is None:
        raise Open311Error(404, f"service_code {service_code[:20]!r} was not found.")
    return render(
        {
            "service_code": service.service_code,
            "attributes": [_attribute_json(a) for a in sorted(service.attributes, key=lambda a: a.get("order", 0))],
        },
        "service_definition",
    )


def _location(form: Any) -> dict[str, Any]:
    """Read where the problem is: lat+long, address_string or address_id (a UPRN), at least one."""
    lat_text = text_field(form, "lat", 30, required=False)
    long_text = text_field(form, "long", 30, required=False)
    address_string = text_field(form, "address_string", 500, required=False)
    address_id = text_field(form, "address_id", 40, required=False)
    location: dict[str, Any] = {"address": address_string, "address_id": None, "postcode": None}
    if (lat_text is None) != (long_text is None):
        raise Open311Error(400, "Send both lat and long, or neither.")
    if lat_text is not None:
        try:
            lat, lon = float(lat_text), float(long_text)
        except ValueError:
            raise Open311Error(400, "lat and long must be decimal degrees (WGS84).") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, "lat must be between -90 and 90 and long between -180 and 180.")
        location.update(lat=lat, long=lon)
    if address_id is not None:
        address = db.session().get(Address, address_id)
        if address is None:
            raise Open311Error(400, f"address_id {address_id!r} is not a known UPRN.")
        location.update(address_id=address.uprn, postcode=address.postcode)
        location["address"] = location["address"] or address.full_address
        location.setdefault("lat", address.lat)
        location.setdefault("long", address.lon)
    if lat_text is None and address_string is None and address_id is None:
        raise Open311Error(400, "A location is required: lat and long, address_string or address_id.")
    return location


def _attributes(service: Open311Service, form: Any) -> dict[str, Any]:
    """Check `attribute[code]` fields against the service definition."""
    definitions = {a["code"]: a for a in service.attributes if a.get("variable", True)}
    given: dict[str, list[str]] = {}
    for key in form.keys():
        match = ATTRIBUTE_FIELD.match(key)
        if match:
            given.setdefault(match.group(1), []).extend(v.strip() for v in form.getlist(key) if v.strip())
    result: dict[str, Any] = {}
    for code, values in given.items():
        definition = definitions.get(code)
        if definition is None:
            raise Open311Error(400, f"attribute[{code}] is not an attribute of service {service.service_code}.")
        if not values:
            continue
        datatype = definition["datatype"]
        allowed = [str(v["key"]) for v in definition.get("values") or []]
        if datatype == "multivaluelist":
            if any(value not in allowed for value in values):
                raise Open311Error(400, f"attribute[{code}] values must be among: {', '.join(allowed)}.")
            result[code] = values
            continue
        if len(values) > 1:
            raise Open311Error(400, f"attribute[{code}] takes one value.")
        value = values[0]
        if datatype == "singlevaluelist" and value not in allowed:
            raise Open311Error(400, f"attribute[{code}] must be one of: {', '.join(allowed)}.")
        if datatype == "number":
            try:
                float(value)
            except ValueError:
                raise Open311Error(400, f"attribute[{code}] must be a number.") from None
        if datatype == "datetime":
            try:
                clock.parse_instant(value)
            except ValueError:
                raise Open311Error(400, f"attribute[{code}] must be a W3C date-time.") from None
        limit = MAX_DESCRIPTION_LENGTH if datatype == "text" else 1000
        if len(value) > limit:
            raise Open311Error(400, f"attribute[{code}] is longer than {limit:,} characters.")
        result[code] = value
    for code, definition in definitions.items():
        if definition.get("required") and code not in result:
            raise Open311Error(400, f"attribute[{code}] is required: {definition.get('description')}")
    return result


@blueprint.post(f"/requests.{FORMAT}")
def create_request(format: str) -> Response:
    """Record a street problem (POST Service Request) from a form-encoded body.

    An `Idempotency-Key` header (an extension GeoReport v2 clients may leave out) makes a repeat answer the
    first report instead of making a second.
    """
    form = request.form
    key = idempotency.request_key()
    digest = idempotency.fingerprint(sorted((name, value) for name in form.keys() if name != "api_key"
                                            for value in form.getlist(name)))
    if key and (earlier := idempotency.earlier(db.session(), "open311", key, digest)):
        return _replay(earlier)
    service_code = text_field(form, "service_code", 20)
    service = db.session().get(Open311Service, service_code)
    if service is None:
        raise Open311Error(400, f"service_code {service_code!r} is not a service of this council.")
    location = _location(form)
    description = text_field(form, "description", MAX_DESCRIPTION_LENGTH)
    attributes = _attributes(service, form)
    now = clock.now()
    report = ServiceRequest(
        service_code=service.service_code,
        status="open",
        status_notes=None,
        description=description,
        address=location["address"],
        address_id=location["address_id"],
        postcode=location["postcode"],
        lat=location.get("lat"),
        lon=location.get("long"),
        email=email_value(text_field(form, "email", 254, required=False)),
        first_name=text_field(form, "first_name", 100, required=False),
        last_name=text_field(form, "last_name", 100, required=False),
        phone=phone_value(text_field(form, "phone", 40, required=False)),
        media_url=url_value(text_field(form, "media_url", 2000, required=False), "media_url"),
        attributes=attributes,
        requested_at=clock.to_db(now),
        updated_at=clock.to_db(now),
    )
    db_session = db.session()
    report.id = db.next_number(db_session, "service_request")
    db_session.add(report)
    body = [{"service_request_id": str(report.id), "service_notice": service.service_notice, "account_id": None}]
    if key:
        idempotency.remember(db_session, "open311", key, digest, 201, body)
    if winner := idempotency.commit_or_replay(db_session, "open311", key, digest):
        return _replay(winner)
    return render(body, "service_requests", "request", status=201)


def _replay(earlier: IdempotentSubmission) -> Response:
    """The answer a key's first request had, marked as a replay."""
    response = render(earlier.body, "service_requests", "request", status=earlier.status)
    response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


def _instant(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return clock.parse_instant(value[:40])
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time, for example 2026-12-01T00:00:00Z.") from None


def _codes(name: str, allowed: tuple[str, ...] | None = None) -> list[str] | None:
    value = request.args.get(name)
    if not value:
        return None
    codes = [part.strip() for part in value[:2000].split(",") if part.strip()]
    if allowed is not None and any(code not in allowed for code in codes):
        raise Open311Error(400, f"{name} must be one or more of: {', '.join(allowed)}.")
    return codes


@blueprint.get(f"/requests.{FORMAT}")
def list_requests(format: str) -> Response:
    """Find requests by id (`service_request_id=a,b`) or by code, status and date (GET Service Requests)."""
    db_session = db.session()
    ids = request.args.get("service_request_id")
    if ids is not None:
        wanted = [part.strip() for part in ids[:2000].split(",") if part.strip()]
        if len(wanted) > MAX_IDS_PER_QUERY:
            raise Open311Error(400, f"Ask for at most {MAX_IDS_PER_QUERY} service_request_id values at once.")
        numbers = [n for n in (whole_number(part, MAX_ID_DIGITS) for part in wanted) if n is not None]
        found = {
            row.id: row
            for row in db_session.execute(select(ServiceRequest).where(ServiceRequest.id.in_(numbers))).scalars()
        }
        rows = [found[number] for number in dict.fromkeys(numbers) if number in found]
        return render([request_json(row) for row in rows], "service_requests", "request")

    start, end = _instant("start_date"), _instant("end_date")
    if start is None and end is None:
        end = clock.now()
        start = end - DEFAULT_WINDOW
    elif start is None:
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise Open311Error(400, "end_date must be after start_date.")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days.")
    query = select(ServiceRequest).where(
        ServiceRequest.requested_at >= clock.to_db(start), ServiceRequest.requested_at <= clock.to_db(end)
    )
    service_codes = _codes("service_code")
    if service_codes:
        query = query.where(ServiceRequest.service_code.in_(service_codes))
    statuses = _codes("status", STATUSES)
    if statuses:
        query = query.where(ServiceRequest.status.in_(statuses))
    query = query.order_by(ServiceRequest.requested_at.desc(), ServiceRequest.id.desc()).limit(MAX_RESULTS)
    rows = db_session.execute(query).scalars().all()
    return render([request_json(row) for row in rows], "service_requests", "request")


@blueprint.get(f"/requests/<service_request_id>.{FORMAT}")
def get_request(service_request_id: str, format: str) -> Response:
    """Return one request, as a one-element list the way GeoReport v2 does (GET Service Request)."""
    number = whole_number(service_request_id, MAX_ID_DIGITS)
    report = db.session().get(ServiceRequest, number) if number is not None else None
    if report is None:
        raise Open311Error(404, f"There is no service request {service_request_id[:20]!r}.")
    return render([request_json(report)], "service_requests", "request")
