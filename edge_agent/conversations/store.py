"""``conversations.db``: the chat's conversations and their turns, on the device.

A file of its own beside the outbox: the chat's history is never sent to the
centre, it is pruned by its own rules, and damage to one file cannot reach
the other. Each turn is written in one transaction when it ends (WAL with
``synchronous=FULL``), so a killed app loses at most the turn being written.
A damaged file is left as it is and reported; the chat goes on without it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from edge_agent.clock import Clock, utc_now
from edge_agent.conversations.encoding import (
    FORMAT,
    UndecodableTurn,
    body_parts,
    turn_body,
)
from edge_agent.conversations.migrations import migrations
from edge_agent.conversations.values import (
    Conversation,
    Retention,
    Turn,
    TurnKind,
    TurnState,
)
from edge_agent.errors import HistoryUnavailable

PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
)
SQLITE_HEADER = b"SQLite format 3\x00"
_DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})

_CONVERSATIONS = """
    SELECT c.id, c.started_at, c.last_activity_at, c.title, c.technician_id,
           c.job_id, (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id)
    FROM conversations c
"""


class ConversationStore:
    """The chat's kept conversations; open with :meth:`open`."""

    def __init__(self, db: Database, where: str, clock: Clock = utc_now) -> None:
        self.db = db
        self._where = where
        self._clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Clock = utc_now) -> ConversationStore:
        """Open (creating it and its folder if needed) the history at ``path``.

        Raises:
            HistoryUnavailable: the file is damaged or not a database (it is
                left as it is), or it cannot be opened.
        """
        _check_header(path)
        with translated(str(path)):
            path.parent.mkdir(parents=True, exist_ok=True)
            db = Database(path)
            try:
                for pragma in PRAGMAS:
                    db.execute(pragma)
                migrations.apply(db)
            except BaseException:
                db.close()
                raise
        return cls(db, str(path), clock)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- writing -----------------------------------------------------------------

    def record(self, conversation: Conversation, turn: Turn) -> None:
        """Keep ``turn`` (again, if it changed) in ``conversation``, creating
        the conversation with its first turn; both in one transaction."""
        now = _stamp(self._clock())
        body = json.dumps(turn_body(turn), ensure_ascii=False, sort_keys=True)
        with translated(self._where), self.db.atomic():
            self.db.execute(
                "INSERT INTO conversations (id, started_at, last_activity_at, "
                "title, technician_id, job_id) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "last_activity_at = excluded.last_activity_at",
                [
                    conversation.conversation_id,
                    _stamp(conversation.started_at),
                    now,
                    conversation.title,
                    conversation.technician_id,
                    conversation.job_id,
                ],
            )
            self.db.execute(
                "INSERT INTO turns (conversation_id, seq, kind, text, asked_at, "
                "state, trace_id, format, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (conversation_id, seq) DO UPDATE SET "
                "state = excluded.state, trace_id = excluded.trace_id, "
                "format = excluded.format, body = excluded.body",
                [
                    conversation.conversation_id,
                    turn.seq,
                    turn.kind.value,
                    turn.text,
                    _stamp(turn.asked_at),
                    turn.state.value,
                    turn.trace_id,
                    FORMAT,
                    body,
                ],
            )

    def prune(self, retention: Retention) -> int:
        """Delete the conversations beyond the newest ``retention.conversations``
        and those idle for more than ``retention.days``; how many went."""
        cutoff = _stamp(self._clock() - timedelta(days=retention.days))
        with translated(self._where), self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM conversations WHERE last_activity_at < ? OR id NOT IN "
                "(SELECT id FROM conversations "
                "ORDER BY last_activity_at DESC, started_at DESC LIMIT ?)",
                [cutoff, retention.conversations],
            )
            return cursor.rowcount

    # --- reading -----------------------------------------------------------------

    def recent(self, limit: int | None = None) -> list[Conversation]:
        """The kept conversations, the most recently active first."""
        sql = _CONVERSATIONS + " ORDER BY c.last_activity_at DESC, c.started_at DESC"
        with translated(self._where):
            rows = self.db.execute(f"{sql} LIMIT ?", [-1 if limit is None else limit])
            return [_conversation(row) for row in rows.fetchall()]

    def conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation with this id, if it is kept."""
        with translated(self._where):
            row = self.db.execute(
                _CONVERSATIONS + " WHERE c.id = ?", [conversation_id]
            ).fetchone()
        return None if row is None else _conversation(row)

    def turns(self, conversation_id: str) -> list[Turn]:
        """The conversation's turns in the order asked; a turn this version
        cannot read comes back ``unreadable``, saying why."""
        with translated(self._where):
            rows = self.db.execute(
                "SELECT seq, kind, text, asked_at, state, trace_id, format, body "
                "FROM turns WHERE conversation_id = ? ORDER BY seq",
                [conversation_id],
            ).fetchall()
        return [_turn(row) for row in rows]


def _conversation(row: tuple[Any, ...]) -> Conversation:
    return Conversation(
        conversation_id=row[0],
        started_at=_moment(row[1]),
        last_activity_at=_moment(row[2]),
        title=row[3],
        technician_id=row[4],
        job_id=row[5],
        turn_count=row[6],
    )


def _turn(row: tuple[Any, ...]) -> Turn:
    seq, kind, text, asked_at, state, trace_id, fmt, body = row
    try:
        answer, failure, action = body_parts(fmt, json.loads(body))
        return Turn(
            seq=seq,
            kind=TurnKind(kind),
            text=text,
            asked_at=_moment(asked_at),
            state=TurnState(state),
            answer=answer,
            failure=failure,
            trace_id=trace_id,
            action=action,
        )
    except (UndecodableTurn, ValueError) as exc:
        cause = exc if isinstance(exc, UndecodableTurn) else f"damaged ({exc})"
        return Turn(
            seq=seq,
            kind=TurnKind.ACTION if kind == "action" else TurnKind.QUESTION,
            text=text,
            asked_at=_moment(asked_at),
            state=TurnState.UNREADABLE,
            failure=f"This turn cannot be shown: {cause}.",
            trace_id=trace_id,
        )


def _stamp(moment: datetime) -> str:
    """A moment as UTC ISO 8601 with microseconds: sorts as text sorts."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _moment(stamp: str) -> datetime:
    try:
        return datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return datetime.fromtimestamp(0, UTC)


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Turn SQLite's exceptions into :class:`HistoryUnavailable`."""
    try:
        yield
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _DAMAGED_CODES:
            raise damaged(where, exc) from exc
        raise HistoryUnavailable(
            f"The chat history ({where}) could not be read or written: {exc}. "
            "The chat goes on, but this conversation is kept in memory only; "
            "check the disk and that no other copy of the app holds the file.",
            title="Chat history unavailable",
        ) from exc
    except OSError as exc:
        raise HistoryUnavailable(
            f"The chat history ({where}) could not be opened: "
            f"{exc.strerror or exc}. The chat goes on, but this conversation is "
            "kept in memory only.",
            title="Chat history unavailable",
        ) from exc


def damaged(where: str, cause: object) -> HistoryUnavailable:
    return HistoryUnavailable(
        f"The chat history {where} is damaged or not a database ({cause}). It "
        "was left as it is: move it aside (keep it for support) and start the "
        "app again for a new history. The chat goes on meanwhile, but this "
        "conversation is kept in memory only.",
        title="Chat history unavailable",
    )


def _check_header(path: Path) -> None:
    """Refuse a non-empty file that does not start as a SQLite database does."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise HistoryUnavailable(
            f"The chat history {path} cannot be read: {exc.strerror or exc}.",
            title="Chat history unavailable",
        ) from exc
    if header and header != SQLITE_HEADER:
        raise damaged(str(path), "it does not start with a SQLite header")
