"""HTTP clients for council systems, used by the action server (no Rasa imports here)."""

from connectors.errors import ConnectorError, NotFound, Rejected, ServiceUnavailable
from connectors.settings import ConnectorSettings

__all__ = ["ConnectorError", "ConnectorSettings", "NotFound", "Rejected", "ServiceUnavailable"]
