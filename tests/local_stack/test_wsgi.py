"""The production WSGI server's settings: bounded, and a bad setting is refused with its name."""

from __future__ import annotations

import pytest

from local_stack.wsgi import server_settings


def test_defaults_bound_threads_connections_idle_time_and_body_size() -> None:
    assert server_settings({}) == {"threads": 8, "connection_limit": 100, "channel_timeout": 30,
                                   "max_request_body_size": 1024 * 1024}


def test_settings_come_from_the_environment() -> None:
    assert server_settings({"WSGI_THREADS": "16", "WSGI_CHANNEL_TIMEOUT": "5"})["threads"] == 16


@pytest.mark.parametrize("value", ["0", "-3", "eight", "²", "1.5"])
def test_a_setting_that_is_not_a_positive_whole_number_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="WSGI_THREADS"):
        server_settings({"WSGI_THREADS": value})
