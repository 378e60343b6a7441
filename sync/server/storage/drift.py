"""SQL for the drift report: the turns of a period, streamed, and the
decisions and actions of those turns.

Rows are streamed (``yield_per``), never loaded whole: a report may cover
hundreds of thousands of turns. Each query filters on the turns' start time
in the database; the decisions and actions join their turn's trace there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import actions, decisions, device_decisions, traces

STREAM_ROWS = 2000
"""Rows fetched from the database at a time."""


def _window(query: Any, since_ns: int, until_ns: int) -> Any:
    return query.where(traces.c.start_ns >= since_ns, traces.c.start_ns < until_ns)


def _streamed(connection: Connection, query: Any) -> Iterator[sa.Row[Any]]:
    result = connection.execution_options(yield_per=STREAM_ROWS).execute(query)
    yield from result


def turn_rows(
    connection: Connection, since_ns: int, until_ns: int
) -> Iterator[sa.Row[Any]]:
    """``device_id, trace_id, name, start_ns, end_ns, spans`` (JSON text) of
    every turn that started in ``[since_ns, until_ns)``."""
    query = sa.select(
        traces.c.device_id,
        traces.c.trace_id,
        traces.c.name,
        traces.c.start_ns,
        traces.c.end_ns,
        traces.c.spans,
    )
    return _streamed(connection, _window(query, since_ns, until_ns))


def decision_counts(
    connection: Connection, since_ns: int, until_ns: int
) -> Iterator[sa.Row[Any]]:
    """``device_id, trace_id, outcome, n``: the devices' decisions per turn
    and outcome, for the turns that started in ``[since_ns, until_ns)``."""
    query = (
        sa.select(
            device_decisions.c.device_id,
            device_decisions.c.trace_id,
            device_decisions.c.outcome,
            sa.func.count().label("n"),
        )
        .join(
            traces,
            sa.and_(
                traces.c.device_id == device_decisions.c.device_id,
                traces.c.trace_id == device_decisions.c.trace_id,
            ),
        )
        .group_by(
            device_decisions.c.device_id,
            device_decisions.c.trace_id,
            device_decisions.c.outcome,
        )
    )
    return _streamed(connection, _window(query, since_ns, until_ns))


def action_rows(
    connection: Connection, since_ns: int, until_ns: int
) -> Iterator[sa.Row[Any]]:
    """``device_id, trace_id, device_outcome, centre_outcome, rejected,
    quarantined`` of each action the centre received whose turn started in
    ``[since_ns, until_ns)``; ``quarantined`` when re-validation put it in
    quarantine (whatever a review made of it since)."""
    was_quarantined = (
        sa.select(decisions.c.id)
        .where(
            decisions.c.device_id == actions.c.device_id,
            decisions.c.key == actions.c.key,
            decisions.c.status == "quarantined",
        )
        .exists()
    )
    query = sa.select(
        actions.c.device_id,
        actions.c.trace_id,
        actions.c.device_outcome,
        actions.c.centre_outcome,
        (actions.c.status == "rejected").label("rejected"),
        sa.or_(actions.c.status == "quarantined", was_quarantined).label("quarantined"),
    ).join(
        traces,
        sa.and_(
            traces.c.device_id == actions.c.device_id,
            traces.c.trace_id == actions.c.trace_id,
        ),
    )
    return _streamed(connection, _window(query, since_ns, until_ns))


def turns_with_id(
    connection: Connection, trace_id: str, device_id: str | None = None
) -> list[dict[str, Any]]:
    """The stored turns with this trace id (of one device when given), with
    their spans read."""
    query = sa.select(traces).where(traces.c.trace_id == trace_id)
    if device_id is not None:
        query = query.where(traces.c.device_id == device_id)
    found = []
    for row in connection.execute(query.order_by(traces.c.device_id)):
        turn = dict(row._mapping)
        spans = json.loads(turn["spans"])
        turn["spans"] = [s for s in spans if isinstance(s, dict)]
        found.append(turn)
    return found
