"""SQL for browsing devices' journals a page at a time: turns and decisions,
the latest received first, filtered, with a keyset cursor (never an offset).

Text search ignores case and matches JSON-escaped text, so the needle is
escaped the way the columns hold it (``"`` and ``\\`` escaped); ``%`` and
``_`` in it are literal. A turn is searched in its ``search_text`` (every
string of its spans, see ``turn_text.py``), or in its spans when it has none
(a row written without one), and in its decisions' tools and reasons. Rows
come back as plain dicts; the spans and reasons stay JSON text for the caller
to read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import device_decisions, devices, traces
from sync.server.storage.turn_text import json_needle


@dataclass(frozen=True, slots=True)
class Where:
    """What a page is limited to (``None``: no limit on that)."""

    text: str | None = None
    device_id: str | None = None
    technician_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    """Turns: the turn's name (``ask``, ``propose``, ``photo``...); decisions:
    the outcome (``allow``, ``confirm``, ``approve``, ``deny``)."""
    route: str | None = None
    """Turns only: the answer's route named on the turn's root span."""


@dataclass(frozen=True, slots=True)
class After:
    """A keyset cursor: the last row of the page before (time, device, id)."""

    at: datetime
    device_id: str
    record_id: str


def turn_rows(
    connection: Connection, where: Where, *, after: After | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` turns after ``after``, the latest received first, each
    with its device's technician."""
    query = (
        sa.select(traces, devices.c.technician_id)
        .join(devices, devices.c.device_id == traces.c.device_id, isouter=True)
        .order_by(
            traces.c.saved_at.desc(),
            traces.c.device_id.desc(),
            traces.c.trace_id.desc(),
        )
        .limit(limit)
    )
    for condition in _turn_conditions(where, connection.dialect.name):
        query = query.where(condition)
    if after is not None:
        query = query.where(
            sa.tuple_(traces.c.saved_at, traces.c.device_id, traces.c.trace_id)
            < sa.tuple_(
                sa.literal(after.at, traces.c.saved_at.type),
                sa.literal(after.device_id),
                sa.literal(after.record_id),
            )
        )
    return [dict(row._mapping) for row in connection.execute(query)]


def _turn_conditions(where: Where, dialect: str) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = _common(traces, traces.c.saved_at, where)
    if where.technician_id:
        found.append(devices.c.technician_id == where.technician_id)
    if where.kind:
        found.append(traces.c.name == where.kind)
    if where.route:
        route = {"edge.answer.route": where.route}
        fragment = json.dumps(route, separators=(",", ":"), ensure_ascii=False)[1:-1]
        found.append(traces.c.spans.contains(fragment, autoescape=True))
    if where.text:
        needle = json_needle(where.text)
        decided = sa.select(
            device_decisions.c.device_id, device_decisions.c.trace_id
        ).where(
            sa.or_(
                _holds(device_decisions.c.tool, where.text, dialect),
                _holds(device_decisions.c.reasons, needle, dialect),
            ),
        )
        found.append(
            sa.or_(
                _holds(traces.c.search_text, needle, dialect),
                sa.and_(
                    traces.c.search_text.is_(None),
                    _holds(traces.c.spans, needle, dialect),
                ),
                sa.tuple_(traces.c.device_id, traces.c.trace_id).in_(decided),
            )
        )
    return found


def decision_rows(
    connection: Connection, where: Where, *, after: After | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` decisions after ``after``, the latest received first."""
    table = device_decisions
    query = (
        sa.select(table)
        .order_by(
            table.c.received_at.desc(), table.c.device_id.desc(), table.c.key.desc()
        )
        .limit(limit)
    )
    for condition in _decision_conditions(where, connection.dialect.name):
        query = query.where(condition)
    if after is not None:
        query = query.where(
            sa.tuple_(table.c.received_at, table.c.device_id, table.c.key)
            < sa.tuple_(
                sa.literal(after.at, table.c.received_at.type),
                sa.literal(after.device_id),
                sa.literal(after.record_id),
            )
        )
    return [dict(row._mapping) for row in connection.execute(query)]


def _decision_conditions(where: Where, dialect: str) -> list[sa.ColumnElement[bool]]:
    table = device_decisions
    found = _common(table, table.c.received_at, where)
    if where.technician_id:
        found.append(table.c.technician_id == where.technician_id)
    if where.kind:
        found.append(table.c.outcome == where.kind)
    if where.text:
        needle = json_needle(where.text)
        found.append(
            sa.or_(
                _holds(table.c.tool, where.text, dialect),
                _holds(table.c.reasons, needle, dialect),
                _holds(table.c.payload, needle, dialect),
            )
        )
    return found


def _holds(column: sa.Column[Any], text: str, dialect: str) -> sa.ColumnElement[bool]:
    """``column`` holds ``text``, whatever the case: ILIKE on PostgreSQL; on
    SQLite, LIKE, which already ignores case (as far as its ``lower()``
    would: ASCII) without lowering every row first."""
    if dialect == "postgresql":
        return column.icontains(text, autoescape=True)
    return column.contains(text, autoescape=True)


def _common(
    table: sa.Table, at: sa.Column[Any], where: Where
) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if where.device_id:
        found.append(table.c.device_id == where.device_id)
    if where.since is not None:
        found.append(at >= where.since)
    if where.until is not None:
        found.append(at < where.until)
    return found


def decisions_of(
    connection: Connection, pairs: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The decisions recorded in the turns ``(device_id, trace_id)``."""
    if not pairs:
        return []
    devices_named = {device for device, _ in pairs}
    query = (
        sa.select(device_decisions)
        .where(
            device_decisions.c.device_id.in_(devices_named),
            device_decisions.c.trace_id.in_({trace for _, trace in pairs}),
        )
        .order_by(device_decisions.c.seq)
    )
    wanted = set(pairs)
    return [
        dict(row._mapping)
        for row in connection.execute(query)
        if (row.device_id, row.trace_id) in wanted
    ]


def turns_named(
    connection: Connection, trace_id: str, device_id: str | None
) -> list[dict[str, Any]]:
    """The stored turns with this id (one per device that sent it)."""
    query = (
        sa.select(traces, devices.c.technician_id)
        .join(devices, devices.c.device_id == traces.c.device_id, isouter=True)
        .where(traces.c.trace_id == trace_id)
        .order_by(traces.c.device_id)
        .limit(20)
    )
    if device_id:
        query = query.where(traces.c.device_id == device_id)
    return [dict(row._mapping) for row in connection.execute(query)]
