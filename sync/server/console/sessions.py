"""Console sessions: signing people in and out, expiry, the sign-in limit.

A session is a random id in the person's cookie; the centre stores only its
SHA-256, with the person, when it began, when it was last used and the CSRF
token its forms carry. It ends when unused for the idle time, at the absolute
time after sign-in, on sign-out, and when the person is disabled or gets a
new password. Failed sign-ins are counted per name and per client address;
past the limit in the window, sign-in is refused with how long to wait.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sync.server.errors import SignInRefused
from sync.server.people import Accounts, Person, person_from_row
from sync.server.records import Clock
from sync.server.storage import Storage
from sync.server.storage import people as store

WRONG = "The name or the password is wrong, or the account is disabled."
"""One answer for an unknown name, a wrong password and a disabled account."""


@dataclass(frozen=True, slots=True)
class SessionRules:
    """How long sessions last and how many failed sign-ins are let through."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    failures: int = 5
    window: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session.

    Attributes:
        person: Who is signed in.
        csrf_token: The token every form of this session carries.
        id_hash: The stored hash of the session's id.
    """

    person: Person
    csrf_token: str
    id_hash: str


class ConsoleSessions:
    """Sign-in, the session of a cookie, sign-out.

    Args:
        storage: The service's storage.
        accounts: The people who may sign in.
        clock: The service's clock.
        rules: Expiry and the sign-in limit.
    """

    def __init__(
        self,
        storage: Storage,
        accounts: Accounts,
        *,
        clock: Clock,
        rules: SessionRules | None = None,
    ) -> None:
        self._storage = storage
        self._accounts = accounts
        self._clock = clock
        self._rules = rules or SessionRules()

    def sign_in(self, username: str, password: str, *, address: str) -> str:
        """Check the credentials and open a session.

        Returns:
            The session's id, for the cookie (never stored as such).

        Raises:
            SignInRefused: wrong credentials, a disabled account, or too many
                failed sign-ins for this name or from this address lately.
        """
        subjects = [f"user:{username.strip().lower()[:64]}", f"address:{address}"]
        self._refuse_if_throttled(subjects)
        person = self._accounts.check(username, password)
        now = self._clock()
        if person is None:
            with self._storage.write() as connection:
                store.add_failure(connection, subjects, now)
            raise SignInRefused(WRONG)
        session_id = secrets.token_urlsafe(32)
        with self._storage.write() as connection:
            store.forget_failures(
                connection, subject=subjects[0], before=now - self._rules.window
            )
            store.end_sessions_before(
                connection,
                seen_before=now - self._rules.idle,
                created_before=now - self._rules.absolute,
            )
            store.add_session(
                connection,
                id_hash=_hashed(session_id),
                username=person.username,
                csrf_token=secrets.token_urlsafe(32),
                at=now,
            )
        return session_id

    def current(self, session_id: str) -> SignedIn | None:
        """The live session of a cookie's id (its last use now), else ``None``;
        an expired one, or a disabled person's, is ended."""
        if not session_id or len(session_id) > 200:
            return None
        id_hash = _hashed(session_id)
        now = self._clock()
        with self._storage.write() as connection:
            row = store.session(connection, id_hash)
            if row is None:
                return None
            if (
                row.person.disabled_at is not None
                or now - row.last_seen_at > self._rules.idle
                or now - row.created_at > self._rules.absolute
            ):
                store.end_session(connection, id_hash)
                return None
            store.touch_session(connection, id_hash, now)
        return SignedIn(person_from_row(row.person), row.csrf_token, id_hash)

    def sign_out(self, session_id: str) -> None:
        """End the session of a cookie's id (nothing if there is none)."""
        with self._storage.write() as connection:
            store.end_session(connection, _hashed(session_id))

    def _refuse_if_throttled(self, subjects: list[str]) -> None:
        now = self._clock()
        since = now - self._rules.window
        with self._storage.read() as connection:
            failed = [store.failures_since(connection, s, since) for s in subjects]
        waits = [
            times[-self._rules.failures] + self._rules.window - now
            for times in failed
            if len(times) >= self._rules.failures
        ]
        if waits:
            minutes = max(1, math.ceil(max(waits).total_seconds() / 60))
            raise SignInRefused(
                "Too many failed sign-ins for this name or from this computer. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )


def _hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()
