"""The service's HTTP API, one router per audience, under ``/v1``.

- ``devices.py``: enrol, push and pull, signed by each device.
- ``operations.py``: health and metrics (unsigned; no device data).
"""

from __future__ import annotations

from sync.server.api.devices import device_routes
from sync.server.api.operations import ops_routes

__all__ = ["device_routes", "ops_routes"]
