"""Whether the centre can be reached right now: one short TCP connection."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

PROBE_SECONDS = 1.5
"""How long a reachability check waits for the centre to accept a connection."""


def centre_reachable(url: str, *, timeout: float = PROBE_SECONDS) -> bool:
    """True when the centre at ``url`` accepts a TCP connection in ``timeout``.

    Nothing is sent: being offline is a state the status bar shows, and the
    next sync says what the centre thinks of this device.
    """
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False
