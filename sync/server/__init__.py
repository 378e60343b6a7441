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
    BatchTooLarge,
    ConfigInvalid,
    Conflict,
    DeliveryFailed,
    DeviceRevoked,
    EnrolmentRefused,
    InvalidRequest,
    NotAuthenticated,
    NotFound,
    Overloaded,
    PayloadConflict,
    PublishRefused,
    ReplayRefused,
    ServerError,
    StorageUnavailable,
)
from sync.server.revalidation import CentrePolicy, DeviceContext, revalidate
from sync.server.settings import ServerSettings
from sync.server.storage import Storage

__all__ = [
    "AppliedAction",
    "BatchTooLarge",
    "CentrePolicy",
    "ConfigInvalid",
    "Conflict",
    "Connector",
    "DeliveryFailed",
    "DeviceContext",
    "DeviceRevoked",
    "EnrolmentRefused",
    "InvalidRequest",
    "NotAuthenticated",
    "NotFound",
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
