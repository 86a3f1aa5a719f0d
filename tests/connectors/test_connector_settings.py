"""ConnectorSettings: environment variables, defaults and the 3-second cap."""

import dataclasses

import pytest

from connectors.settings import ConnectorSettings


def test_defaults_when_nothing_is_set():
    settings = ConnectorSettings.from_env({})
    assert settings.council_api_url == "http://127.0.0.1:8080"
    assert settings.council_api_key is None
    assert settings.open311_url == "http://127.0.0.1:8080/open311/v2"
    assert settings.open311_api_key is None
    assert settings.open311_jurisdiction is None
    assert settings.timeout == 3.0


def test_open311_defaults_follow_the_council_api():
    settings = ConnectorSettings.from_env({"COUNCIL_API_URL": "https://api.example.org/", "COUNCIL_API_KEY": "k"})
    assert settings.council_api_url == "https://api.example.org"
    assert settings.open311_url == "https://api.example.org/open311/v2"
    assert settings.open311_api_key == "k"


def test_every_variable_is_read():
    settings = ConnectorSettings.from_env(
        {
            "COUNCIL_API_URL": "http://a",
            "COUNCIL_API_KEY": "k1",
            "OPEN311_URL": "http://b/open311/",
            "OPEN311_API_KEY": "k2",
            "OPEN311_JURISDICTION": "fernbridge.gov.example",
            "COUNCIL_API_TIMEOUT": "1.5",
        }
    )
    assert (settings.open311_url, settings.open311_api_key, settings.open311_jurisdiction) == (
        "http://b/open311",
        "k2",
        "fernbridge.gov.example",
    )
    assert settings.timeout == 1.5


def test_timeout_is_capped_at_three_seconds():
    assert ConnectorSettings.from_env({"COUNCIL_API_TIMEOUT": "30"}).timeout == 3.0
    assert ConnectorSettings(timeout=10).timeout == 3.0
    assert ConnectorSettings(timeout=0).timeout == 3.0


def test_timeout_that_is_not_a_number_is_an_error():
    with pytest.raises(ValueError, match="COUNCIL_API_TIMEOUT"):
        ConnectorSettings.from_env({"COUNCIL_API_TIMEOUT": "soon"})


def test_settings_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ConnectorSettings().timeout = 1.0  # type: ignore[misc]
