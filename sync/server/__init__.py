"""The central governance service: devices, re-validation, review, publishing.

It never imports the edge app, textual or llama_cpp: it runs on servers without
them. Of this project it imports only :mod:`policies` and the pure shared
modules of :mod:`sync` (``protocol``, ``auth``, ``chain``, ``errors``).

- :func:`create_app` builds the HTTP API (FastAPI) from :class:`ServerSettings`.
- :class:`Storage` is the one data-access layer (SQLite by default,
  PostgreSQL by URL).
- ``python -m sync.server`` (``edge-governance``) is the supervisors' command
  line.
"""

from __future__ import annotations

from sync.server.app import create_app
from sync.server.connectors import (
    AppliedAction,
    Connector,
    RecordingConnector,
    WebhookConnector,
)
from sync.server.errors import (
    BatchRefused,
    ConfigInvalid,
    Conflict,
    DeliveryFailed,
    DeviceRevoked,
    EnrolmentRefused,
    NotAuthenticated,
    Overloaded,
    PayloadConflict,
    PublishRefused,
    RecordNotFound,
    ReplayRefused,
    RequestInvalid,
    ServerError,
    StorageUnavailable,
)
from sync.server.revalidation import CentrePolicy, DeviceContext, revalidate
from sync.server.settings import ServerSettings
from sync.server.storage import Storage

__all__ = [
    "AppliedAction",
    "BatchRefused",
    "CentrePolicy",
    "ConfigInvalid",
    "Conflict",
    "Connector",
    "DeliveryFailed",
    "DeviceContext",
    "DeviceRevoked",
    "EnrolmentRefused",
    "RequestInvalid",
    "NotAuthenticated",
    "RecordNotFound",
    "Overloaded",
    "PayloadConflict",
    "PublishRefused",
    "RecordingConnector",
    "ReplayRefused",
    "ServerError",
    "ServerSettings",
    "Storage",
    "StorageUnavailable",
    "WebhookConnector",
    "create_app",
    "revalidate",
]
