"""Open311 GeoReport v2 client for street problems; works with any conforming server (JSON format)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from connectors.errors import ConnectorError, NotFound, ServiceUnavailable
from connectors.http import HttpClient, reading
from connectors.parsing import optional_float, optional_str, parse_datetime
from connectors.settings import ConnectorSettings


@dataclass(frozen=True)
class Service:
    """A problem type the council accepts (GeoReport v2 service)."""

    service_code: str
    service_name: str
    description: str | None
    metadata: bool
    type: str | None
    keywords: str | None
    group: str | None


@dataclass(frozen=True)
class AttributeValue:
    """One choice of a list attribute."""

    key: str
    name: str


@dataclass(frozen=True)
class ServiceAttribute:
    """An extra question a service asks (pothole depth, fly-tipping size)."""

    code: str
    datatype: str
    required: bool
    description: str | None
    order: int | None = None
    variable: bool = True
    datatype_description: str | None = None
    values: list[AttributeValue] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceDefinition:
    """A service's attributes (empty when the service has no metadata)."""

    service_code: str
    attributes: list[ServiceAttribute]


@dataclass(frozen=True)
class ServiceRequestReceipt:
    """The answer to a new report: an id, or a token when the server assigns ids later."""

    service_request_id: str | None
    token: str | None = None
    service_notice: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class ServiceRequest:
    """A reported problem and where it has got to (`status` is open or closed)."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    requested_datetime: datetime | None
    updated_datetime: datetime | None
    address: str | None
    lat: float | None
    long: float | None
    service_notice: str | None = None
    expected_datetime: datetime | None = None
    address_id: str | None = None
    zipcode: str | None = None
    media_url: str | None = None


def _service(data: Mapping[str, Any]) -> Service:
    metadata = data.get("metadata")
    return Service(
        service_code=str(data["service_code"]),
        service_name=str(data.get("service_name") or data["service_code"]),
        description=optional_str(data.get("description")),
        metadata=metadata is True or str(metadata).lower() == "true",
        type=optional_str(data.get("type")),
        keywords=optional_str(data.get("keywords")),
        group=optional_str(data.get("group")),
    )


def _attribute(data: Mapping[str, Any]) -> ServiceAttribute:
    def flag(value: Any, default: bool) -> bool:
        return default if value is None else value is True or str(value).lower() == "true"

    order = data.get("order")
    return ServiceAttribute(
        code=str(data["code"]),
        datatype=str(data.get("datatype") or "string"),
        required=flag(data.get("required"), False),
        description=optional_str(data.get("description")),
        order=int(order) if order not in (None, "") else None,
        variable=flag(data.get("variable"), True),
        datatype_description=optional_str(data.get("datatype_description")),
        values=[AttributeValue(key=str(v["key"]), name=str(v.get("name", v["key"]))) for v in data.get("values") or []],
    )


def _service_request(data: Mapping[str, Any]) -> ServiceRequest:
    return ServiceRequest(
        service_request_id=str(data["service_request_id"]),
        status=str(data.get("status") or "open").lower(),
        status_notes=optional_str(data.get("status_notes")),
        service_name=optional_str(data.get("service_name")),
        service_code=optional_str(data.get("service_code")),
        description=optional_str(data.get("description")),
        agency_responsible=optional_str(data.get("agency_responsible")),
        requested_datetime=parse_datetime(data.get("requested_datetime")),
        updated_datetime=parse_datetime(data.get("updated_datetime")),
        address=optional_str(data.get("address")),
        lat=optional_float(data.get("lat")),
        long=optional_float(data.get("long")),
        service_notice=optional_str(data.get("service_notice")),
        expected_datetime=parse_datetime(data.get("expected_datetime")),
        address_id=optional_str(data.get("address_id")),
        zipcode=optional_str(data.get("zipcode")),
        media_url=optional_str(data.get("media_url")),
    )


def _as_list(data: Any) -> list[Any]:
    """GeoReport v2 answers lists; some servers answer a bare object for a single item."""
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


class Open311Client:
    """A GeoReport v2 client bound to `OPEN311_URL`, `OPEN311_API_KEY` and `OPEN311_JURISDICTION`."""

    def __init__(self, settings: ConnectorSettings | None = None, session: requests.Session | None = None) -> None:
        settings = settings or ConnectorSettings.from_env()
        self._api_key = settings.open311_api_key
        self._jurisdiction = settings.open311_jurisdiction
        headers = {"X-Api-Key": self._api_key} if self._api_key else {}
        self._http = HttpClient(settings.open311_url, settings.timeout, headers, session)

    def _params(self, **extra: str) -> dict[str, str]:
        params = {"jurisdiction_id": self._jurisdiction} if self._jurisdiction else {}
        params.update(extra)
        return params

    def services(self) -> list[Service]:
        """List the problem types the council accepts (GET services.json)."""
        data = self._http.get("/services.json", params=self._params())
        with reading("Open311 services"):
            return [_service(row) for row in _as_list(data)]

    def service_definition(self, service_code: str) -> ServiceDefinition:
        """Return a service's attributes, in their `order` (GET services/{code}.json).

        Raises:
            NotFound: the server has no such service.

        """
        data = self._http.get(f"/services/{quote(service_code, safe='')}.json", params=self._params())
        with reading("Open311 service definition"):
            attributes = [_attribute(row) for row in data.get("attributes") or []]
            attributes.sort(key=lambda a: (a.order is None, a.order or 0))
            return ServiceDefinition(service_code=str(data.get("service_code") or service_code), attributes=attributes)

    def create_request(
        self,
        service_code: str,
        description: str,
        address_string: str | None = None,
        lat: float | None = None,
        long: float | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        attributes: Mapping[str, str | Iterable[str]] | None = None,
        address_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceRequestReceipt:
        """Report a problem (POST requests.json, form-encoded as the standard says).

        `idempotency_key` is sent as the `Idempotency-Key` header: a server that honours it answers a repeat
        with the report already made; one that does not ignores the header, as GeoReport v2 lets it.

        Give a location as `lat` and `long`, `address_string`, or `address_id`. A list value in
        `attributes` is sent as a multivaluelist (`attribute[code][]`). When the server answers with
        a token instead of an id, the token is exchanged once for an id if the server already has one.

        Raises:
            Rejected: the server refused the report (code is the GeoReport error code, e.g. "400").
            ServiceUnavailable: the server is down or slow.

        """
        fields: list[tuple[str, str]] = [("service_code", service_code), ("description", description)]
        optional = {
            "jurisdiction_id": self._jurisdiction,
            "api_key": self._api_key,
            "address_string": address_string,
            "address_id": address_id,
            "lat": None if lat is None else repr(float(lat)),
            "long": None if long is None else repr(float(long)),
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
        }
        fields.extend((name, value) for name, value in optional.items() if value is not None)
        for code, value in (attributes or {}).items():
            if isinstance(value, str):
                fields.append((f"attribute[{code}]", value))
            else:
                fields.extend((f"attribute[{code}][]", str(item)) for item in value)
        data = self._http.post_form("/requests.json", fields, idempotency_key=idempotency_key)
        with reading("Open311 create request"):
            answer = _as_list(data)[0]
            receipt = ServiceRequestReceipt(
                service_request_id=optional_str(answer.get("service_request_id")),
                token=optional_str(answer.get("token")),
                service_notice=optional_str(answer.get("service_notice")),
                account_id=optional_str(answer.get("account_id")),
            )
        if receipt.service_request_id is None and receipt.token is None:
            raise ServiceUnavailable("Open311 server answered neither a service_request_id nor a token")
        if receipt.service_request_id is None:
            try:
                request_id = self.request_id_for_token(receipt.token)
            except ConnectorError:
                request_id = None  # the report is in; the id can be fetched later with the token
            if request_id:
                return ServiceRequestReceipt(request_id, receipt.token, receipt.service_notice, receipt.account_id)
        return receipt

    def request_id_for_token(self, token: str) -> str | None:
        """Exchange a token for the request id (GET tokens/{token}.json); None until the server assigns one.

        Raises:
            NotFound: the server does not know the token.

        """
        data = self._http.get(f"/tokens/{quote(token, safe='')}.json", params=self._params())
        with reading("Open311 token"):
            rows = _as_list(data)
            return optional_str(rows[0].get("service_request_id")) if rows else None

    def get_request(self, service_request_id: str) -> ServiceRequest:
        """Return one request (GET requests/{id}.json).

        Raises:
            NotFound: the server has no such request.
            ServiceUnavailable: the server is down or slow.

        """
        data = self._http.get(f"/requests/{quote(str(service_request_id), safe='')}.json", params=self._params())
        with reading("Open311 request"):
            rows = [_service_request(row) for row in _as_list(data)]
        if not rows:
            raise NotFound("not_found", f"There is no service request {service_request_id}.")
        return rows[0]

    def get_requests(self, service_request_ids: Iterable[str]) -> list[ServiceRequest]:
        """Return several requests at once (GET requests.json?service_request_id=a,b); unknown ids are left out."""
        ids = [str(i) for i in service_request_ids]
        if not ids:
            return []
        data = self._http.get("/requests.json", params=self._params(service_request_id=",".join(ids)))
        with reading("Open311 requests"):
            return [_service_request(row) for row in _as_list(data)]
