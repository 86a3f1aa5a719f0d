"""Backend tests build apps with Flask's test client on a fresh SQLite file each."""

import pytest

from council_backend import create_app
from tests.backend_server import API_KEY, FIXED_NOW


@pytest.fixture
def make_app(tmp_path):
    """Build an app on a fresh SQLite file with the fixed clock and the test key; overrides allowed."""

    def _make(**overrides):
        config = {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'backend.db'}",
            "API_KEY": API_KEY,
            "NOW": FIXED_NOW,
            "TESTING": True,
        }
        config.update(overrides)
        return create_app(config)

    return _make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    """A test client that sends the API key on every request."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_X_API_KEY"] = API_KEY
    return test_client


@pytest.fixture
def anonymous(app):
    """A test client that sends no API key."""
    return app.test_client()
