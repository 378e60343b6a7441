"""How review items and actions read in the terminal and as JSON."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any

from sync.server.records import ActionDetail, ReviewItem


def item_json(item: ReviewItem) -> dict[str, Any]:
    return {
        "device_id": item.device_id,
        "technician_id": item.technician_id,
        "key": item.key,
        "seq": item.seq,
        "tool": item.tool,
        "payload": dict(item.payload),
        "reason": item.reason,
        "device_outcome": item.device_outcome,
        "centre_outcome": item.centre_outcome,
        "received_at": item.received_at.isoformat(),
    }


def detail_json(detail: ActionDetail) -> dict[str, Any]:
    return {
        **item_json(detail.item),
        "status": detail.status,
        "device_decision": dict(detail.device_decision),
        "centre_decision": _plain(detail.centre_decision),
        "confirmation": _plain(detail.confirmation),
        "evidence": dict(detail.evidence),
    }


def render_detail(detail: ActionDetail) -> str:
    """The action, its evidence, and the device's and centre's decisions."""
    item = detail.item
    lines = [
        f"Action {item.key} ({detail.status})",
        f"  device {item.device_id} #{item.seq}, technician {item.technician_id}, "
        f"received {item.received_at.isoformat(timespec='seconds')}",
        f"  {item.tool} {arguments_text(item)}",
        f"  why held: {item.reason}",
        "",
        f"  {'device decided':<{COLUMN}} centre decided",
        *_side_by_side(detail.device_decision, detail.centre_decision),
    ]
    if detail.confirmation:
        who = detail.confirmation.get("technician_id", "?")
        when = detail.confirmation.get("confirmed_at", "?")
        how = ", at a prompt" if detail.confirmation.get("interactive") is True else ""
        lines.append(f"  confirmed by {who} at {when}{how}")
    lines.extend(["", "  evidence:", *_evidence_lines(detail.evidence)])
    return "\n".join(lines)


def arguments_text(item: ReviewItem) -> str:
    """The call's arguments as compact JSON."""
    return json.dumps(dict(item.payload.get("args", {})), sort_keys=True)


COLUMN = 34
"""Width of the device's column when the decisions stand side by side."""


def _side_by_side(
    device: Mapping[str, Any], centre: Mapping[str, Any] | None
) -> list[str]:
    left = _wrapped(_decision_lines(device), COLUMN - 2)
    right = _wrapped(_decision_lines(centre), COLUMN - 2)
    rows = max(len(left), len(right))
    left += [""] * (rows - len(left))
    right += [""] * (rows - len(right))
    return [f"  {a:<{COLUMN}} {b}".rstrip() for a, b in zip(left, right, strict=True)]


def _wrapped(lines: list[str], width: int) -> list[str]:
    """Each line wrapped to ``width``, continuation lines indented."""
    return [
        part
        for line in lines
        for part in textwrap.wrap(line, width, subsequent_indent="  ") or [""]
    ]


def _decision_lines(decision: Mapping[str, Any] | None) -> list[str]:
    if not decision:
        return ["(not judged)"]
    version = decision.get("bundle_version", "?")
    head = f"{decision.get('outcome', '?')} (policy v{version})"
    return [head, *(f"- {reason}" for reason in decision.get("reasons", ()))]


def _evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    if not evidence:
        return ["    (none recorded)"]
    return [
        f"    {name}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
        for name, value in sorted(evidence.items())
    ]


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else dict(value)
