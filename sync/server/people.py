"""People who sign in to the console: supervisors and read-only auditors.

Passwords are kept only as argon2 hashes (``argon2-cffi``). Disabling a
person or changing their password ends their sessions at once. Each change is
an audit event naming who made it, as every supervisor command is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from sync.server.errors import Conflict, RecordNotFound, RequestInvalid
from sync.server.records import Clock
from sync.server.storage import Storage
from sync.server.storage import people as store
from sync.server.storage.audit import record_event

Role = Literal["supervisor", "auditor"]
ROLES: tuple[Role, ...] = ("supervisor", "auditor")
MIN_PASSWORD_CHARS = 10
"""Shortest password accepted."""
MAX_PASSWORD_CHARS = 1024
"""Longest password accepted (hashing a huge one would be slow on purpose)."""

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Person:
    """One console account.

    Attributes:
        username: How they sign in (lower case).
        role: ``supervisor`` (reviews, decides) or ``auditor`` (reads only).
        created_at: When the account was made.
        disabled_at: When it was disabled, if it was.
    """

    username: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None

    @property
    def can_change(self) -> bool:
        """Whether this person may change anything (supervisors only)."""
        return self.role == "supervisor" and self.disabled_at is None


class Accounts:
    """Adding, listing, disabling people and checking their passwords.

    Args:
        storage: The service's storage.
        clock: The service's clock.
        hasher: The argon2 hasher (its default parameters unless given).
    """

    def __init__(
        self, storage: Storage, *, clock: Clock, hasher: PasswordHasher | None = None
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._stand_in: str | None = None

    def add(self, username: str, role: str, password: str, *, actor: str) -> Person:
        """Make an account.

        Raises:
            RequestInvalid: the name, role or password is not acceptable.
            Conflict: the name is taken.
        """
        name = checked_username(username)
        if role not in ROLES:
            raise RequestInvalid(f"{role!r} is not a role: use {' or '.join(ROLES)}.")
        given: Role = role
        hashed = self._hasher.hash(checked_password(password))
        now = self._clock()
        with self._storage.write() as connection:
            if store.person(connection, name) is not None:
                raise Conflict(
                    f"{name} already has an account; change its password with "
                    f"'user password {name}'.",
                    record_id=name,
                )
            store.add_person(
                connection, username=name, role=given, password_hash=hashed, at=now
            )
            record_event(
                connection,
                at=now,
                actor=actor,
                event="person_added",
                detail={"username": name, "role": given},
            )
        return Person(name, given, now, None)

    def people(self) -> list[Person]:
        """Every account, by name."""
        with self._storage.read() as connection:
            return [person_from_row(row) for row in store.all_people(connection)]

    def disable(self, username: str, *, actor: str) -> int:
        """Disable an account and end its sessions.

        Returns:
            How many sessions were ended.

        Raises:
            RecordNotFound: no such account.
        """
        now = self._clock()
        with self._storage.write() as connection:
            found = self._existing(connection, username)
            if found.disabled_at is None:
                store.update_person(connection, found.username, disabled_at=now)
            ended = store.end_sessions_of(connection, found.username)
            record_event(
                connection,
                at=now,
                actor=actor,
                event="person_disabled",
                detail={"username": found.username, "sessions_ended": ended},
            )
            return ended

    def set_password(self, username: str, password: str, *, actor: str) -> int:
        """Give an account a new password and end its sessions.

        Returns:
            How many sessions were ended.

        Raises:
            RecordNotFound: no such account.
            RequestInvalid: the password is not acceptable.
        """
        hashed = self._hasher.hash(checked_password(password))
        now = self._clock()
        with self._storage.write() as connection:
            found = self._existing(connection, username)
            store.update_person(connection, found.username, password_hash=hashed)
            ended = store.end_sessions_of(connection, found.username)
            record_event(
                connection,
                at=now,
                actor=actor,
                event="person_password_set",
                detail={"username": found.username, "sessions_ended": ended},
            )
            return ended

    def check(self, username: str, password: str) -> Person | None:
        """The enabled person these credentials prove, else ``None``.

        An unknown name costs the same hashing as a wrong password, so the
        time taken does not tell which names exist.
        """
        name = username.strip().lower()
        with self._storage.read() as connection:
            row = store.person(connection, name) if _USERNAME.fullmatch(name) else None
        try:
            self._hasher.verify(
                row.password_hash if row else self._stand_in_hash(), password
            )
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        return person_from_row(row)

    def _stand_in_hash(self) -> str:
        """A hash to check an unknown name's password against (made once)."""
        if self._stand_in is None:
            self._stand_in = self._hasher.hash("not a password of anyone's")
        return self._stand_in

    def _existing(self, connection: Connection, username: str) -> store.PersonRow:
        name = username.strip().lower()
        found = store.person(connection, name)
        if found is None:
            raise RecordNotFound(
                f"No account {name}; 'user list' shows them.", record_id=name
            )
        return found


def checked_username(username: str) -> str:
    """``username`` in lower case, if it can name an account.

    Raises:
        RequestInvalid: it cannot.
    """
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise RequestInvalid(
            f"{username!r} cannot name an account: use up to 64 letters, digits, "
            "dots, dashes or underscores, starting with a letter or digit."
        )
    return name


def checked_password(password: str) -> str:
    """``password``, if it is long enough and not too long.

    Raises:
        RequestInvalid: it is not.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        raise RequestInvalid(
            f"The password is too short: use at least {MIN_PASSWORD_CHARS} "
            "characters (a few words make a good one)."
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise RequestInvalid(
            f"The password is too long: use at most {MAX_PASSWORD_CHARS} characters."
        )
    return password


def person_from_row(row: store.PersonRow) -> Person:
    """The account a stored row holds."""
    return Person(row.username, cast(Role, row.role), row.created_at, row.disabled_at)
