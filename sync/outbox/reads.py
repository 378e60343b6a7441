"""The outbox's reads: actions, what to push next, traces, counts, the chain.

The functions run on a database inside or outside a transaction; the writes
use them too. :class:`~sync.outbox.reader.OutboxReader` is the read-only face
of the outbox over them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlite_utils import Database

from sync.chain import first_break
from sync.errors import UnknownAction, UnknownTrace
from sync.outbox.models import (
    ChainHead,
    JournalItem,
    JournalPage,
    OutboxIdentity,
    PendingAction,
    QueuedAction,
    RecordedRequest,
    TraceRecord,
    Transition,
)
from sync.outbox.rows import (
    ACTION_COLUMNS,
    LINK_SQL,
    TRACE_COLUMNS,
    TRANSITION_COLUMNS,
    action_from_row,
    link_from_row,
    trace_from_row,
    transition_from_row,
)
from sync.outbox.states import PENDING_STATES, ActionState

_PENDING = ", ".join(f"'{state}'" for state in PENDING_STATES)
PENDING_SQL = (
    f"SELECT {ACTION_COLUMNS} FROM actions INDEXED BY actions_pending "
    f"WHERE state IN ({_PENDING}) AND (not_before IS NULL OR not_before <= ?) "
    "ORDER BY seq LIMIT ?"
)
"""Due pending actions in sequence order. The literal states let SQLite use the
partial index (it cannot prove that parameters match its condition); naming the
index keeps the planner from sorting every queued action instead."""


def unknown_action(key: str) -> UnknownAction:
    return UnknownAction(
        f"No action {key} in the outbox (it may have been pruned after the "
        "centre acknowledged it).",
        title="Unknown action",
        record_id=key,
    )


def current_state(db: Database, key: str) -> ActionState:
    """The action's state.

    Raises:
        UnknownAction: no action has this key.
    """
    row = db.execute("SELECT state FROM actions WHERE key = ?", [key]).fetchone()
    if row is None:
        raise unknown_action(key)
    return ActionState(row[0])


def get_action(db: Database, key: str) -> QueuedAction:
    """The action with this key.

    Raises:
        UnknownAction: no action has this key.
    """
    sql = f"SELECT {ACTION_COLUMNS} FROM actions WHERE key = ?"
    row = db.execute(sql, [key]).fetchone()
    if row is None:
        raise unknown_action(key)
    return action_from_row(row)


def list_actions(
    db: Database, states: Iterable[ActionState] | None, limit: int, offset: int
) -> list[QueuedAction]:
    """Actions newest first, only those in ``states`` unless it is ``None``."""
    where, params = "", []
    if states is not None:
        params = [str(ActionState(state)) for state in states]
        where = f"WHERE state IN ({', '.join('?' for _ in params)}) "
    rows = db.execute(
        f"SELECT {ACTION_COLUMNS} FROM actions {where}"
        "ORDER BY seq DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [action_from_row(row) for row in rows]


def pending_actions(db: Database, *, now: str, limit: int) -> list[PendingAction]:
    """Queued and awaiting-approval actions due at ``now``, with their traces."""
    rows = db.execute(PENDING_SQL, [now, limit]).fetchall()
    actions = [action_from_row(row) for row in rows]
    traces = traces_by_id(db, {action.trace_id for action in actions})
    return [PendingAction(action, traces[action.trace_id]) for action in actions]


def count_by_state(db: Database) -> dict[ActionState, int]:
    """How many actions are in each state, from the counts the triggers keep."""
    rows = db.execute("SELECT state, actions FROM action_states").fetchall()
    counts: dict[str, Any] = dict(rows)
    return {state: int(counts.get(str(state), 0)) for state in ActionState}


def transitions_of(db: Database, key: str) -> list[Transition]:
    """The action's state changes, oldest first.

    Raises:
        UnknownAction: no action has this key.
    """
    current_state(db, key)
    rows = db.execute(
        f"SELECT {TRANSITION_COLUMNS} FROM transitions "
        "WHERE action_key = ? ORDER BY id",
        [key],
    ).fetchall()
    return [transition_from_row(row) for row in rows]


def traces_by_id(db: Database, trace_ids: Collection[str]) -> dict[str, TraceRecord]:
    if not trace_ids:
        return {}
    marks = ", ".join("?" for _ in trace_ids)
    rows = db.execute(
        f"SELECT {TRACE_COLUMNS} FROM traces WHERE trace_id IN ({marks})",
        sorted(trace_ids),
    ).fetchall()
    return {row[0]: trace_from_row(row) for row in rows}


def get_trace(db: Database, trace_id: str) -> TraceRecord:
    """The trace with this id.

    Raises:
        UnknownTrace: no trace has this id.
    """
    found = traces_by_id(db, [trace_id])
    if trace_id not in found:
        raise UnknownTrace(
            f"No trace {trace_id} in the outbox.",
            title="Unknown trace",
            record_id=trace_id,
        )
    return found[trace_id]


def list_traces(db: Database, limit: int, offset: int) -> list[TraceRecord]:
    """Traces in the reverse order of their first saving."""
    rows = db.execute(
        f"SELECT {TRACE_COLUMNS} FROM traces ORDER BY id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    ).fetchall()
    return [trace_from_row(row) for row in rows]


JOURNAL_ONLY_STATES = frozenset(
    {ActionState.PROPOSED, ActionState.DENIED, ActionState.CANCELLED}
)
"""Actions in these states never go with a push: the journal carries them."""


def journal_after(db: Database, cursor: int, limit: int) -> JournalPage:
    """Turns written after ``cursor`` in the journal, oldest first, with the
    actions each recorded; a turn whose actions all go with a push is passed
    over (the push carries its trace and decision)."""
    rows = db.execute(
        f"SELECT journal_seq, {TRACE_COLUMNS} FROM traces WHERE journal_seq > ? "
        "ORDER BY journal_seq LIMIT ?",
        [cursor, limit],
    ).fetchall()
    if not rows:
        return JournalPage((), cursor)
    marks = ", ".join("?" for _ in rows)
    found: dict[str, list[QueuedAction]] = {}
    for row in db.execute(
        f"SELECT {ACTION_COLUMNS} FROM actions WHERE trace_id IN ({marks}) "
        "ORDER BY seq",
        [row[1] for row in rows],
    ).fetchall():
        action = action_from_row(row)
        found.setdefault(action.trace_id, []).append(action)
    items = []
    for row in rows:
        actions = tuple(found.get(row[1], ()))
        if actions and all(a.state not in JOURNAL_ONLY_STATES for a in actions):
            continue
        items.append(JournalItem(row[0], trace_from_row(row[1:]), actions))
    return JournalPage(tuple(items), rows[-1][0])


def first_broken_seq(db: Database, device_id: str) -> int | None:
    """Where the stored chain first breaks (see :func:`sync.chain.first_break`)."""
    found = identity(db)
    links = (link_from_row(device_id, row) for row in db.execute(LINK_SQL))
    return first_break(
        links,
        start_seq=found.start.seq + 1,
        start_hash=found.start.row_hash,
        end_seq=found.head.seq,
        end_hash=found.head.row_hash,
    )


def identity(db: Database) -> OutboxIdentity:
    """The outbox's id, device, head and start."""
    outbox_id, device_id, last_seq, last_hash, start_seq, start_hash = db.execute(
        "SELECT outbox_id, device_id, last_seq, last_hash, start_seq, start_hash "
        "FROM outbox_device WHERE id = 1"
    ).fetchone()
    return OutboxIdentity(
        outbox_id=outbox_id,
        device_id=device_id,
        head=ChainHead(last_seq, last_hash),
        start=ChainHead(start_seq - 1, start_hash),
    )


def recorded_request(db: Database, request_key: str) -> RecordedRequest | None:
    """The action recorded under the caller's ``request_key``, kept or pruned."""
    row = db.execute(
        f"SELECT {ACTION_COLUMNS}, request_hash FROM actions WHERE request_key = ?",
        [request_key],
    ).fetchone()
    if row is not None:
        action = action_from_row(row[:-1])
        return RecordedRequest(action.seq, action, row[-1])
    pruned = db.execute(
        "SELECT seq FROM pruned_actions WHERE request_key = ?", [request_key]
    ).fetchone()
    return None if pruned is None else RecordedRequest(int(pruned[0]), None, None)


def latest_request(
    db: Database, request_hash: str, *, since: str, states: Collection[ActionState]
) -> QueuedAction | None:
    """The newest action recorded at or after ``since`` for the request with
    this hash, among those now in ``states``."""
    marks = ", ".join("?" for _ in states)
    row = db.execute(
        f"SELECT {ACTION_COLUMNS} FROM actions INDEXED BY actions_request_hash "
        f"WHERE request_hash = ? AND created_at >= ? AND state IN ({marks}) "
        "ORDER BY seq DESC LIMIT 1",
        [request_hash, since, *(str(state) for state in states)],
    ).fetchone()
    return None if row is None else action_from_row(row)
