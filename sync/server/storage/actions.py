"""SQL for pushed actions, their results, chain links, traces and deliveries."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from policies.encoding import canonical_json
from sync.protocol import MAX_INT, ActionResult, WireAction, WireLink, WireTrace
from sync.server.records import DeviceRecord, StoredResult, Verdict
from sync.server.storage.schema import (
    actions,
    chain_links,
    decisions,
    deliveries,
    devices,
    traces,
)
from sync.server.storage.store import (
    column_text,
    dump_json,
    insert_ignoring,
    load_json,
    upsert,
)
from sync.server.storage.turn_text import turn_text

_IN_CHUNK = 500
"""Most values in one ``IN (...)`` list."""


def content_digest(action: WireAction) -> str:
    """A fingerprint of everything the device recorded about the action (its
    local state aside): a retry must match it exactly."""
    fields = action.model_dump(mode="json", exclude={"state"})
    return hashlib.sha256(canonical_json(fields)).hexdigest()


@dataclass(frozen=True, slots=True)
class Settled:
    """An action settled by one push or review: its verdict and result position.

    Attributes:
        action: The action.
        verdict: What the centre decided.
        result_id: Its position in the device's result stream (0 when held).
        actor: Who decided (``centre`` or ``supervisor:<name>``).
    """

    action: WireAction
    verdict: Verdict
    result_id: int
    actor: str


def stored_results(
    connection: Connection, device_id: str, keys: Collection[str]
) -> dict[str, StoredResult]:
    """The current results of the device's actions with these keys."""
    found: dict[str, StoredResult] = {}
    ordered = sorted(keys)
    columns = (
        actions.c.key,
        actions.c.seq,
        actions.c.status,
        actions.c.reason,
        actions.c.centre_decision,
        actions.c.result_id,
        actions.c.content_digest,
    )
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        query = sa.select(*columns).where(
            actions.c.device_id == device_id, actions.c.key.in_(chunk)
        )
        for row in connection.execute(query):
            found[row.key] = StoredResult(
                row.key,
                row.seq,
                row.status,
                row.reason,
                load_json(row.centre_decision),
                row.result_id,
                row.content_digest,
            )
    return found


def held_actions(connection: Connection, device_id: str) -> list[WireAction]:
    """The device's actions held for a gap before them, in sequence order."""
    query = (
        sa.select(actions)
        .where(actions.c.device_id == device_id, actions.c.status == "held")
        .order_by(actions.c.seq)
    )
    return [wire_action(dict(row._mapping)) for row in connection.execute(query)]


def links_after(
    connection: Connection, device_id: str, seq: int
) -> dict[int, WireLink]:
    """Links of unsent actions after ``seq``, by sequence number."""
    query = sa.select(chain_links).where(
        chain_links.c.device_id == device_id, chain_links.c.seq > seq
    )
    return {row.seq: _link(dict(row._mapping)) for row in connection.execute(query)}


def links_at(
    connection: Connection, device_id: str, seqs: Collection[int]
) -> dict[int, WireLink]:
    """Links of unsent actions with these sequence numbers."""
    if not seqs:
        return {}
    query = sa.select(chain_links).where(
        chain_links.c.device_id == device_id, chain_links.c.seq.in_(sorted(seqs))
    )
    return {row.seq: _link(dict(row._mapping)) for row in connection.execute(query)}


def add_links(
    connection: Connection, device_id: str, links: Sequence[WireLink], *, at: datetime
) -> None:
    """Keep the links of unsent actions (a link already kept stays as it was)."""
    rows = [
        {**link.model_dump(), "device_id": device_id, "received_at": at}
        for link in links
    ]
    insert_ignoring(connection, chain_links, rows, ["device_id", "seq"])


def add_actions(
    connection: Connection,
    device: DeviceRecord,
    outcomes: Sequence[Settled],
    *,
    at: datetime,
) -> None:
    """Insert newly pushed actions with their verdicts."""
    rows = [_action_row(device, outcome, at) for outcome in outcomes]
    if rows:
        connection.execute(actions.insert(), rows)


def update_results(
    connection: Connection, device_id: str, outcomes: Sequence[Settled], *, at: datetime
) -> None:
    """Give stored actions their new verdicts."""
    if not outcomes:
        return
    statement = (
        actions.update()
        .where(
            actions.c.device_id == sa.bindparam("b_device"),
            actions.c.key == sa.bindparam("b_key"),
        )
        .values(
            status=sa.bindparam("b_status"),
            reason=sa.bindparam("b_reason"),
            centre_decision=sa.bindparam("b_decision"),
            centre_outcome=sa.bindparam("b_outcome"),
            centre_bundle_version=sa.bindparam("b_version"),
            result_id=sa.bindparam("b_result"),
            updated_at=sa.bindparam("b_at"),
        )
    )
    connection.execute(
        statement,
        [
            {
                "b_device": device_id,
                "b_key": o.action.key,
                "b_status": o.verdict.status,
                "b_reason": o.verdict.reason,
                "b_decision": _decision_text(o.verdict),
                "b_outcome": o.verdict.centre_outcome,
                "b_version": o.verdict.centre_bundle_version,
                "b_result": o.result_id,
                "b_at": at,
            }
            for o in outcomes
        ],
    )


def add_decisions(
    connection: Connection, device_id: str, outcomes: Sequence[Settled], *, at: datetime
) -> None:
    """Append the verdicts to the decision history (held ones too, unnumbered)."""
    rows = [
        {
            "device_id": device_id,
            "key": o.action.key,
            "seq": o.action.seq,
            "result_id": o.result_id or None,
            "status": o.verdict.status,
            "reason": o.verdict.reason,
            "centre_decision": _decision_text(o.verdict),
            "actor": o.actor,
            "at": at,
        }
        for o in outcomes
    ]
    if rows:
        connection.execute(decisions.insert(), rows)


def add_deliveries(
    connection: Connection, device_id: str, keys: Sequence[str], *, at: datetime
) -> None:
    """Queue applied actions for the connector (once per action)."""
    rows = [
        {
            "device_id": device_id,
            "key": key,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "last_error": "",
            "created_at": at,
        }
        for key in keys
    ]
    insert_ignoring(connection, deliveries, rows, ["device_id", "key"])


def save_traces(
    connection: Connection, device_id: str, sent: Sequence[WireTrace], *, at: datetime
) -> None:
    """Store the turns' traces; a trace sent again replaces the one kept (it grew)."""
    rows = {
        trace.trace_id: {
            "device_id": device_id,
            "trace_id": trace.trace_id,
            "name": trace.name,
            "start_ns": trace.start_ns,
            "end_ns": trace.end_ns,
            "spans": dump_json(trace.spans),
            "saved_at": at,
            "search_text": turn_text(trace.spans),
        }
        for trace in sent
    }
    upsert(
        connection,
        traces,
        list(rows.values()),
        ["device_id", "trace_id"],
        ["name", "start_ns", "end_ns", "spans", "saved_at", "search_text"],
    )


def advance_device(
    connection: Connection,
    device_id: str,
    *,
    chain_seq: int,
    chain_hash: str,
    last_result_id: int,
    client_version: str | None = None,
) -> None:
    """Record where the device's chain and result stream now stand."""
    values: dict[str, Any] = {
        "chain_seq": chain_seq,
        "chain_hash": chain_hash,
        "last_result_id": last_result_id,
    }
    if client_version:
        values["client_version"] = client_version[:64]
    connection.execute(
        devices.update().where(devices.c.device_id == device_id).values(**values)
    )


def results_after(
    connection: Connection, device_id: str, cursor: int, limit: int
) -> list[ActionResult]:
    """The device's results after ``cursor`` in stream order (at most ``limit``)."""
    query = (
        sa.select(decisions)
        .where(decisions.c.device_id == device_id, decisions.c.result_id > cursor)
        .order_by(decisions.c.result_id)
        .limit(limit)
    )
    return [
        ActionResult(
            key=row.key,
            seq=row.seq,
            status=row.status,
            reason=row.reason,
            decision=load_json(row.centre_decision),
            result_id=row.result_id,
        )
        for row in connection.execute(query)
    ]


def result_of(outcome: Settled) -> ActionResult:
    """The wire form of an outcome."""
    verdict = outcome.verdict
    return ActionResult(
        key=outcome.action.key,
        seq=outcome.action.seq,
        status=verdict.status,
        reason=verdict.reason,
        decision=dict(verdict.centre_decision) if verdict.centre_decision else None,
        result_id=outcome.result_id,
    )


def wire_action(row: Mapping[str, Any]) -> WireAction:
    """A stored action as the device sent it (checked when it arrived; rows
    stored under older, looser rules are read back all the same)."""
    return WireAction.model_construct(
        key=row["key"],
        seq=row["seq"],
        tool=row["tool"],
        action_type=row["action_type"],
        payload=load_json(row["payload"]),
        payload_hash=row["payload_hash"],
        state=row["device_state"],
        decision=load_json(row["decision"]),
        confirmation=load_json(row["confirmation"]),
        evidence=load_json(row["evidence"]),
        trace_id=row["trace_id"],
        created_at=row["created_at"],
        prev_hash=row["prev_hash"],
        row_hash=row["row_hash"],
    )


def _link(row: Mapping[str, Any]) -> WireLink:
    return WireLink.model_construct(
        seq=row["seq"],
        prev_hash=row["prev_hash"],
        row_hash=row["row_hash"],
        state=row["state"],
    )


def _decision_text(verdict: Verdict) -> str | None:
    decision = verdict.centre_decision
    return None if decision is None else dump_json(dict(decision))


def _action_row(device: DeviceRecord, outcome: Settled, at: datetime) -> dict[str, Any]:
    action, verdict = outcome.action, outcome.verdict
    evidence = action.evidence
    version = action.decision.get("bundle_version", 0)
    if type(version) is not int or not 0 <= version <= MAX_INT:
        version = 0
    return {
        "device_id": device.device_id,
        "key": action.key,
        "seq": action.seq,
        "technician_id": device.technician_id,
        "tool": action.tool,
        "action_type": action.action_type,
        "payload": dump_json(action.payload),
        "payload_hash": action.payload_hash,
        "device_state": action.state,
        "decision": dump_json(action.decision),
        "confirmation": None
        if action.confirmation is None
        else dump_json(action.confirmation),
        "evidence": dump_json(evidence),
        "trace_id": action.trace_id,
        "created_at": action.created_at,
        "prev_hash": action.prev_hash,
        "row_hash": action.row_hash,
        "content_digest": content_digest(action),
        "device_outcome": column_text(action.decision.get("outcome", ""), 16),
        "device_bundle_version": version,
        "kb_version": column_text(evidence.get("kb_version", ""), 64),
        "model_id": column_text(evidence.get("model_id", ""), 120),
        "status": verdict.status,
        "reason": verdict.reason,
        "centre_decision": _decision_text(verdict),
        "centre_outcome": verdict.centre_outcome,
        "centre_bundle_version": verdict.centre_bundle_version,
        "result_id": outcome.result_id,
        "received_at": at,
        "updated_at": at,
    }
