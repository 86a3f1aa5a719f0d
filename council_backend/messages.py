"""Plain-English messages from `messages.yml`, so staff edit words without editing code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES_FILE = Path(__file__).resolve().parent / "messages.yml"


@lru_cache(maxsize=1)
def _messages() -> dict[str, Any]:
    with open(MESSAGES_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def message(path: str, **values: Any) -> str:
    """Return the message at a dotted path (`missed_bin.too_late`) with its placeholders filled in."""
    node: Any = _messages()
    for part in path.split("."):
        node = node[part]
    return str(node).format(**values)


def bin_name(bin_type: str) -> str:
    """How a resident names a bin type ("general waste" for `general`)."""
    return _messages()["bin_names"].get(bin_type, bin_type)
