"""Reference council backend: a stand-in for a council's systems, served over HTTP by Flask."""

from council_backend.app import create_app

__all__ = ["create_app"]
