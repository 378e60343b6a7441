"""The outbox's writes, each run inside the caller's write transaction.

Nothing here commits: :class:`sync.outbox.Outbox` wraps every call in one
transaction (or the caller's), so a failure at any point leaves nothing behind.
"""

from __future__ import annotations

from sqlite_utils import Database

from sync.chain import GENESIS_HASH, link_content, row_hash
from sync.errors import InvalidTransition, OutboxError
from sync.outbox.encoding import NOT_QUEUED, EncodedTrace, NewAction
from sync.outbox.migrations import NEW_OUTBOX_ID
from sync.outbox.models import ChainHead
from sync.outbox.reads import current_state
from sync.outbox.states import FINAL_STATES, ActionState, check_transition


def store_trace(db: Database, trace: EncodedTrace, saved_at: str) -> None:
    """Insert the trace, or replace the stored one with the same id; either
    way it takes the next place in the journal."""
    db.execute(
        "INSERT INTO traces (trace_id, name, start_ns, end_ns, spans, saved_at, "
        "journal_seq) VALUES (?, ?, ?, ?, ?, ?, "
        "(SELECT COALESCE(MAX(journal_seq), 0) + 1 FROM traces)) "
        "ON CONFLICT (trace_id) DO UPDATE SET "
        "name = excluded.name, start_ns = excluded.start_ns, "
        "end_ns = excluded.end_ns, spans = excluded.spans, "
        "saved_at = excluded.saved_at, journal_seq = excluded.journal_seq",
        [
            trace.trace_id,
            trace.name,
            trace.start_ns,
            trace.end_ns,
            trace.spans,
            saved_at,
        ],
    )


def insert_action(
    db: Database, action: NewAction, *, key: str, trace_id: str, at: str, reason: str
) -> None:
    """Give ``action`` the next sequence number and link in the chain; insert it.

    Raises:
        OutboxError: ``key`` is already used (now or by a pruned action).
    """
    if db.execute(
        "SELECT 1 FROM actions WHERE key = ? UNION ALL "
        "SELECT 1 FROM pruned_actions WHERE key = ?",
        [key, key],
    ).fetchone():
        raise OutboxError(
            f"The new idempotency key {key} is already used; nothing was queued.",
            title=NOT_QUEUED,
            record_id=key,
        )
    device_id, last_seq, prev_hash = db.execute(
        "SELECT device_id, last_seq, last_hash FROM outbox_device WHERE id = 1"
    ).fetchone()
    seq = last_seq + 1
    content = link_content(
        {
            "device_id": device_id,
            "seq": seq,
            "key": key,
            "tool": action.tool,
            "action_type": action.action_type,
            "payload": action.payload,
            "payload_hash": action.payload_hash,
            "decision": action.decision,
            "confirmation": action.confirmation,
            "evidence": action.evidence,
            "trace_id": trace_id,
            "created_at": at,
        }
    )
    digest = row_hash(prev_hash, content)
    db.execute(
        "INSERT INTO actions (seq, key, tool, action_type, payload, payload_hash, "
        "decision, confirmation, evidence, trace_id, created_at, prev_hash, "
        "row_hash, state, state_reason, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            seq,
            key,
            action.tool,
            action.action_type,
            action.payload_json,
            action.payload_hash,
            action.decision_json,
            action.confirmation_json,
            action.evidence_json,
            trace_id,
            at,
            prev_hash,
            digest,
            action.state,
            reason,
            at,
        ],
    )
    db.execute(
        "UPDATE outbox_device SET last_seq = ?, last_hash = ? WHERE id = 1",
        [seq, digest],
    )


def record_transition(
    db: Database,
    key: str,
    from_state: ActionState | None,
    to_state: ActionState,
    *,
    at: str,
    actor: str,
    reason: str,
) -> None:
    db.execute(
        "INSERT INTO transitions (action_key, from_state, to_state, at, actor, "
        "reason) VALUES (?, ?, ?, ?, ?, ?)",
        [key, from_state, to_state, at, actor, reason],
    )


def move(
    db: Database,
    key: str,
    to_state: ActionState,
    *,
    at: str,
    actor: str,
    reason: str,
    not_before: str | None = None,
) -> ActionState:
    """Change the action's state and record the transition; returns the old state.

    Raises:
        UnknownAction: no action has this key.
        InvalidTransition: the move is not in :data:`sync.outbox.states.TRANSITIONS`.
    """
    from_state = current_state(db, key)
    check_transition(key, from_state, to_state)
    db.execute(
        "UPDATE actions SET state = ?, state_reason = ?, not_before = ?, "
        "updated_at = ? WHERE key = ?",
        [to_state, reason, not_before, at, key],
    )
    record_transition(db, key, from_state, to_state, at=at, actor=actor, reason=reason)
    return from_state


def put_back(
    db: Database, key: str, *, at: str, actor: str, reason: str, not_before: str
) -> None:
    """Return a sent action to the state it was sent from, not before a time.

    Raises:
        UnknownAction: no action has this key.
        InvalidTransition: the action is not ``sent``.
    """
    state = current_state(db, key)
    if state is not ActionState.SENT:
        raise InvalidTransition(
            f"Action {key} is {state}, not sent: only a sent action can go back "
            "in line after a failed push.",
            title="Action was not sent",
            record_id=key,
        )
    row = db.execute(
        "SELECT from_state FROM transitions WHERE action_key = ? "
        "AND to_state = 'sent' ORDER BY id DESC LIMIT 1",
        [key],
    ).fetchone()
    back = ActionState(row[0]) if row else ActionState.QUEUED
    move(db, key, back, at=at, actor=actor, reason=reason, not_before=not_before)


def acknowledge(db: Database, key: str, *, at: str) -> None:
    """Record the centre's acknowledgement of a final action (the first one counts).

    Raises:
        UnknownAction: no action has this key.
        InvalidTransition: the action is not in a final state.
    """
    state = current_state(db, key)
    if state not in FINAL_STATES:
        raise InvalidTransition(
            f"Action {key} is {state}; only final actions "
            f"({', '.join(sorted(FINAL_STATES))}) can be acknowledged.",
            title="Action not final",
            record_id=key,
        )
    db.execute(
        "UPDATE actions SET acknowledged_at = coalesce(acknowledged_at, ?) "
        "WHERE key = ?",
        [at, key],
    )


def claim_device(
    db: Database,
    device_id: str,
    *,
    at: str,
    where: str,
    after: ChainHead | None = None,
) -> None:
    """Record the device on a new outbox; refuse an outbox of another device.

    A new outbox gets a random id, and its chain starts after ``after`` (the
    last link of an outbox it continues) or at the genesis.

    Raises:
        OutboxError: the outbox was created for another device.
    """
    row = db.execute("SELECT device_id FROM outbox_device WHERE id = 1").fetchone()
    if row is None:
        start = after or ChainHead(0, GENESIS_HASH)
        db.execute(
            "INSERT INTO outbox_device (id, device_id, last_seq, last_hash, "
            f"created_at, outbox_id, start_seq, start_hash) VALUES (1, ?, ?, ?, ?, "
            f"{NEW_OUTBOX_ID}, ?, ?)",
            [device_id, start.seq, start.row_hash, at, start.seq + 1, start.row_hash],
        )
    elif row[0] != device_id:
        raise OutboxError(
            f"The outbox {where} belongs to device {row[0]}, not {device_id}. "
            "Its actions must reach the centre under their own device: sync it "
            "as that device, or move it aside.",
            title="Outbox of another device",
        )


def prune(db: Database, *, before: str, at: str) -> int:
    """Remove acknowledged final actions, keeping their links; returns how many.

    Their transitions go by cascade; their traces go when no action is left
    that refers to them.
    """
    final = ", ".join(f"'{state}'" for state in sorted(FINAL_STATES))
    where = (
        f"WHERE state IN ({final}) AND acknowledged_at IS NOT NULL "
        "AND acknowledged_at <= ?"
    )
    trace_ids = [
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT trace_id FROM actions {where}", [before]
        ).fetchall()
    ]
    db.execute(
        "INSERT INTO pruned_actions (seq, key, state, prev_hash, row_hash, "
        "acknowledged_at, pruned_at, request_key) SELECT seq, key, state, "
        f"prev_hash, row_hash, acknowledged_at, ?, request_key FROM actions {where}",
        [at, before],
    )
    removed = db.execute(f"DELETE FROM actions {where}", [before]).rowcount
    db.conn.executemany(
        "DELETE FROM traces WHERE trace_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM actions WHERE actions.trace_id = traces.trace_id)",
        [[trace_id] for trace_id in trace_ids],
    )
    return int(removed)


def bind_request(
    db: Database, key: str, *, request_key: str | None, request_hash: str
) -> None:
    """Name the request that recorded the action (once; never changed).

    Raises:
        UnknownAction: no action has this key.
        OutboxError: another action was recorded under ``request_key``, or
            this one already names a request.
    """
    current_state(db, key)
    if (
        request_key is not None
        and db.execute(
            "SELECT 1 FROM actions WHERE request_key = ? UNION ALL "
            "SELECT 1 FROM pruned_actions WHERE request_key = ?",
            [request_key, request_key],
        ).fetchone()
    ):
        raise OutboxError(
            f"Another action was recorded under the request key {request_key}; "
            "nothing was changed.",
            title="Request key used",
            record_id=key,
        )
    db.execute(
        "UPDATE actions SET request_key = ?, request_hash = ? WHERE key = ?",
        [request_key, request_hash, key],
    )
