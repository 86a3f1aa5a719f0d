"""Systems that are down, slow or broken raise ServiceUnavailable, within the timeout."""

import time

import pytest

from connectors.addresses import AddressConnector
from connectors.errors import ServiceUnavailable
from connectors.open311 import Open311Client
from connectors.settings import ConnectorSettings
from connectors.waste import WasteConnector
from tests.backend_server import free_port
from tests.connectors.local_servers import local_server, send, sleeping


def test_closed_port_raises_service_unavailable_at_once():
    settings = ConnectorSettings(council_api_url=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        AddressConnector(settings).find_by_postcode("FB1 2AA")
    with pytest.raises(ServiceUnavailable):
        Open311Client(settings).services()
    assert time.monotonic() - started < 3.5


def test_server_that_sleeps_five_seconds_raises_within_the_timeout():
    with local_server(sleeping(5)) as url:
        settings = ConnectorSettings.from_env({"COUNCIL_API_URL": url, "COUNCIL_API_TIMEOUT": "10"})
        assert settings.timeout == 3.0
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="did not answer"):
            WasteConnector(settings).collections("100090000001")
        assert time.monotonic() - started < 3.5


def test_short_timeout_is_honoured():
    with local_server(sleeping(2)) as url:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            Open311Client(ConnectorSettings(open311_url=url, timeout=0.5)).services()
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_raise_service_unavailable(status):
    with local_server(lambda handler: send(handler, status, {"error": "boom", "message": "Boom."})) as url:
        with pytest.raises(ServiceUnavailable):
            AddressConnector(ConnectorSettings(council_api_url=url)).get("100090000001")


def test_invalid_json_raises_service_unavailable():
    with local_server(lambda handler: send(handler, 200, b"<html>gateway page</html>", "text/html")) as url:
        with pytest.raises(ServiceUnavailable, match="invalid JSON"):
            WasteConnector(ConnectorSettings(council_api_url=url)).lookup_item("cans")


def test_answer_of_the_wrong_shape_raises_service_unavailable():
    with local_server(lambda handler: send(handler, 200, [{"unexpected": True}])) as url:
        with pytest.raises(ServiceUnavailable, match="Unexpected answer"):
            AddressConnector(ConnectorSettings(council_api_url=url)).find_by_postcode("FB1 2AA")
