"""SQL for the console's people: accounts, sessions, failed sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.server.storage.schema import console_sessions, people, sign_in_failures


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One account as stored."""

    username: str
    role: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One console session as stored, with its person's account."""

    id_hash: str
    person: PersonRow
    created_at: datetime
    last_seen_at: datetime
    csrf_token: str


def add_person(
    connection: Connection,
    *,
    username: str,
    role: str,
    password_hash: str,
    at: datetime,
) -> None:
    connection.execute(
        people.insert().values(
            username=username, role=role, password_hash=password_hash, created_at=at
        )
    )


def person(connection: Connection, username: str) -> PersonRow | None:
    row = connection.execute(
        sa.select(people).where(people.c.username == username)
    ).one_or_none()
    return None if row is None else _person(row)


def all_people(connection: Connection) -> list[PersonRow]:
    rows = connection.execute(sa.select(people).order_by(people.c.username))
    return [_person(row) for row in rows]


def update_person(connection: Connection, username: str, **values: Any) -> None:
    connection.execute(
        people.update().where(people.c.username == username).values(**values)
    )


def add_session(
    connection: Connection,
    *,
    id_hash: str,
    username: str,
    csrf_token: str,
    at: datetime,
) -> None:
    connection.execute(
        console_sessions.insert().values(
            id_hash=id_hash,
            username=username,
            created_at=at,
            last_seen_at=at,
            csrf_token=csrf_token,
        )
    )


def session(connection: Connection, id_hash: str) -> SessionRow | None:
    query = (
        sa.select(console_sessions, *_person_columns())
        .join(people, people.c.username == console_sessions.c.username)
        .where(console_sessions.c.id_hash == id_hash)
    )
    row = connection.execute(query).one_or_none()
    if row is None:
        return None
    return SessionRow(
        id_hash=row.id_hash,
        person=PersonRow(
            row.username,
            row.person_role,
            row.person_password_hash,
            row.person_created_at,
            row.person_disabled_at,
        ),
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        csrf_token=row.csrf_token,
    )


def touch_session(connection: Connection, id_hash: str, at: datetime) -> None:
    connection.execute(
        console_sessions.update()
        .where(console_sessions.c.id_hash == id_hash)
        .values(last_seen_at=at)
    )


def end_session(connection: Connection, id_hash: str) -> None:
    connection.execute(
        console_sessions.delete().where(console_sessions.c.id_hash == id_hash)
    )


def end_sessions_of(connection: Connection, username: str) -> int:
    result = connection.execute(
        console_sessions.delete().where(console_sessions.c.username == username)
    )
    return max(int(result.rowcount or 0), 0)


def end_sessions_before(
    connection: Connection, *, seen_before: datetime, created_before: datetime
) -> None:
    """Forget sessions idle or old enough to have expired."""
    connection.execute(
        console_sessions.delete().where(
            sa.or_(
                console_sessions.c.last_seen_at < seen_before,
                console_sessions.c.created_at < created_before,
            )
        )
    )


def add_failure(connection: Connection, subjects: list[str], at: datetime) -> None:
    connection.execute(
        sign_in_failures.insert(), [{"subject": s, "at": at} for s in subjects]
    )


def failures_since(
    connection: Connection, subject: str, since: datetime
) -> list[datetime]:
    """When ``subject`` failed to sign in since ``since``, oldest first."""
    query = (
        sa.select(sign_in_failures.c.at)
        .where(sign_in_failures.c.subject == subject, sign_in_failures.c.at >= since)
        .order_by(sign_in_failures.c.at)
    )
    return list(connection.scalars(query))


def forget_failures(
    connection: Connection, *, subject: str | None, before: datetime
) -> None:
    """Drop ``subject``'s failures (all of them), and everyone's before ``before``."""
    condition = sign_in_failures.c.at < before
    if subject is not None:
        condition = sa.or_(condition, sign_in_failures.c.subject == subject)
    connection.execute(sign_in_failures.delete().where(condition))


def _person_columns() -> list[sa.ColumnElement[Any]]:
    return [
        people.c.role.label("person_role"),
        people.c.password_hash.label("person_password_hash"),
        people.c.created_at.label("person_created_at"),
        people.c.disabled_at.label("person_disabled_at"),
    ]


def _person(row: sa.Row[Any]) -> PersonRow:
    return PersonRow(
        row.username, row.role, row.password_hash, row.created_at, row.disabled_at
    )
