"""Quarantined actions written straight into the centre's tables, many at
once: the review queue's pages need more actions than pushing them one by
one through a device would make in reasonable time."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sync.server.storage import Storage
from sync.server.storage.schema import actions


def hold(
    storage: Storage,
    device_id: str,
    technician_id: str,
    received_at: list[datetime],
    *,
    first_seq: int = 1,
    tool: str = "order_part",
) -> list[str]:
    """One quarantined action of the device per time in ``received_at``
    (sequence numbers from ``first_seq``); their keys, in that order."""
    rows = [
        _row(device_id, technician_id, first_seq + n, at, tool)
        for n, at in enumerate(received_at)
    ]
    with storage.write() as connection:
        connection.execute(actions.insert(), rows)
    return [row["key"] for row in rows]


def _row(
    device_id: str, technician_id: str, seq: int, at: datetime, tool: str
) -> dict[str, Any]:
    decision = {"outcome": "approve", "reasons": [], "bundle_version": 1}
    return {
        "device_id": device_id,
        "key": f"{device_id[-4:]}{seq:06d}{'0' * 22}",
        "seq": seq,
        "technician_id": technician_id,
        "tool": tool,
        "action_type": "order",
        "payload": json.dumps({"tool": tool, "args": {"quantity": seq}}),
        "payload_hash": "h" * 64,
        "device_state": "awaiting_approval",
        "decision": json.dumps(decision),
        "evidence": "{}",
        "trace_id": f"trace-{device_id}-{seq}",
        "created_at": at.isoformat(),
        "prev_hash": "0" * 64,
        "row_hash": "1" * 64,
        "content_digest": "2" * 64,
        "device_outcome": "approve",
        "device_bundle_version": 1,
        "status": "quarantined",
        "reason": "It needs a supervisor's approval.",
        "centre_outcome": "approve",
        "received_at": at,
        "updated_at": at,
    }
