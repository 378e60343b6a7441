"""The text a turn is searched by: every string its spans hold (the question,
the route, the tool, span names, errors, any attribute's text), kept in the
traces' ``search_text`` column so a text search reads a short column instead
of every trace's whole JSON.

Each string is kept JSON-escaped, the way the spans column holds it, one a
line: a needle escaped alike (:func:`json_needle`) never holds a line break,
so it matches within one string as a search of the JSON did, and never
across two. Attribute names, numbers and timings are not kept: they are the
trace's structure, not what a person searches for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import traces

SEPARATOR = "\n"
"""Between two strings of the text (a JSON-escaped string never holds one)."""
BATCH = 1000
"""Turns :func:`fill_turn_texts` reads and fills at a time."""


def json_needle(text: str) -> str:
    """``text`` as it appears inside a JSON string of a stored column."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def turn_text(spans: Any) -> str:
    """The searchable text of a turn whose spans are ``spans`` (as loaded
    from JSON): each distinct string once, JSON-escaped, in the order met."""
    kept = dict.fromkeys(json_needle(text) for text in _strings(spans))
    return SEPARATOR.join(kept)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def fill_turn_texts(connection: Connection, *, batch: int = BATCH) -> int:
    """Give every stored turn lacking a search text its text, ``batch`` turns
    at a time in key order; returns how many were filled.

    Spans that are not JSON are left without one (a search reads them).
    """
    update = (
        traces.update()
        .where(
            traces.c.device_id == sa.bindparam("b_device"),
            traces.c.trace_id == sa.bindparam("b_trace"),
        )
        .values(search_text=sa.bindparam("b_text"))
    )
    filled, last = 0, None
    while rows := _lacking(connection, last, batch):
        texts = [
            {"b_device": row.device_id, "b_trace": row.trace_id, "b_text": text}
            for row in rows
            if (text := _text_of(row.spans)) is not None
        ]
        if texts:
            connection.execute(update, texts)
        filled += len(texts)
        last = (rows[-1].device_id, rows[-1].trace_id)
    return filled


def _lacking(
    connection: Connection, after: tuple[str, str] | None, batch: int
) -> list[sa.Row[Any]]:
    """The next ``batch`` turns without a search text, after key ``after``."""
    query = (
        sa.select(traces.c.device_id, traces.c.trace_id, traces.c.spans)
        .where(traces.c.search_text.is_(None))
        .order_by(traces.c.device_id, traces.c.trace_id)
        .limit(batch)
    )
    if after is not None:
        key = sa.tuple_(traces.c.device_id, traces.c.trace_id)
        query = query.where(key > sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
    return list(connection.execute(query))


def _text_of(spans: str) -> str | None:
    try:
        return turn_text(json.loads(spans))
    except ValueError:
        return None
