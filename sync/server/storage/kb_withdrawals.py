"""SQL for the documents and revisions the centre withdrew from the KB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import kb_withdrawals
from sync.server.storage.store import column_text


@dataclass(frozen=True, slots=True)
class StoredWithdrawal:
    """One withdrawal as recorded.

    Attributes:
        id: Its number, in the order withdrawals were made.
        document: The document's name in the KB (``manuals/pump.md``).
        revision: The revision withdrawn (12 hex digits of the SHA-256 of
            its content), or ``None`` for the whole document.
        kb_version: The KB version published without the document (a whole
            document's withdrawal).
        reason: Why, in the supervisor's words.
        withdrawn_at: When.
        withdrawn_by: Who.
    """

    id: int
    document: str
    revision: str | None
    kb_version: int | None
    reason: str
    withdrawn_at: datetime
    withdrawn_by: str


def add_withdrawal(
    connection: Connection,
    *,
    document: str,
    revision: str | None,
    kb_version: int | None,
    reason: str,
    at: datetime,
    actor: str,
) -> int:
    """Record a withdrawal; returns its number."""
    result = connection.execute(
        kb_withdrawals.insert().values(
            document=column_text(document, 500),
            revision=revision,
            kb_version=kb_version,
            reason=reason,
            withdrawn_at=at,
            withdrawn_by=column_text(actor, 120),
        )
    )
    (key,) = result.inserted_primary_key or (0,)
    return int(key)


def withdrawals(connection: Connection) -> list[StoredWithdrawal]:
    """Every withdrawal, oldest first."""
    rows = connection.execute(sa.select(kb_withdrawals).order_by(kb_withdrawals.c.id))
    return [StoredWithdrawal(**row._mapping) for row in rows]


def last_withdrawal(connection: Connection) -> int:
    """The number of the newest withdrawal (0: none), which changes whenever
    one is made."""
    return int(connection.scalar(sa.select(sa.func.max(kb_withdrawals.c.id))) or 0)
