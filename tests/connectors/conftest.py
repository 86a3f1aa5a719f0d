"""Connector tests run against the real backend process, started once per test session."""

import pytest

from connectors.settings import ConnectorSettings
from tests.backend_server import start_backend, stop_backend


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """The real backend, `python -m council_backend`, on a free port with a fixed clock and an API key."""
    running = start_backend(tmp_path_factory.mktemp("council_backend"))
    yield running
    stop_backend(running)


@pytest.fixture
def settings(backend):
    return ConnectorSettings(council_api_url=backend.url, council_api_key=backend.api_key)
