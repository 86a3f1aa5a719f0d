"""The supervisor's configuration: interpolation escaped, values that would break it refused, control locked."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_stack.services import Service
from local_stack.supervisor import config_text


def test_configuration_escapes_interpolation_and_refuses_values_that_would_break_it(tmp_path: Path) -> None:
    service = Service("backend", ["python", "-m", "x", "--name", "50% off"], "http://h", "http://h",
                      env={"COUNCIL_API_KEY": "a%b", "WIDGET_EXTRA_ORIGINS": "http://a:1,http://b:2"})
    text = config_text([service], tmp_path, "control-password")
    assert "command=python -m x --name '50%% off'" in text
    assert 'environment=COUNCIL_API_KEY="a%%b",WIDGET_EXTRA_ORIGINS="http://a:1,http://b:2"' in text
    assert "autorestart=true" in text and "stopasgroup=true" in text and "killasgroup=true" in text
    # The control socket is a Unix socket of the owner only, with a password: no TCP control port.
    assert "chmod=0700" in text and "password=control-password" in text and "inet_http_server" not in text
    service.env["COUNCIL_API_KEY"] = 'quote"d'
    with pytest.raises(ValueError, match="quotes"):
        config_text([service], tmp_path, "control-password")
