"""This device's identity: a stable id, created on first use, kept in the home.

Enrolment with the central service (a later step) records the centre's id for
the device here too; until then the local id names the outbox's records.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from edge_agent.errors import ConfigError
from edge_agent.files import create_atomic
from edge_agent.home import HomeLayout


def device_id(home: Path) -> str:
    """The device id stored in ``home``, created the first time.

    Raises:
        ConfigError: the file exists but is damaged.
    """
    path = HomeLayout(home).device_file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {"device_id": f"dev-{uuid.uuid4().hex[:12]}"}
        encoded = json.dumps(data, indent=2).encode("utf-8")
        if not create_atomic(path, encoded):
            return device_id(home)  # Another thread or process created it first.
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path} is damaged ({exc}); restore it from a backup or ask the "
            "depot to re-enrol this device. Queued actions are kept."
        ) from exc
    value = data.get("device_id") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path} has no device_id; ask the depot to re-enrol.")
    return value
