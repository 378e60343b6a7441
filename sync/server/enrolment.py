"""Enrolling devices: single-use, expiring tokens that become device credentials.

A supervisor issues a token (optionally for one technician, always with a
role and an expiry). The first device to present it gets an id and a random
secret; the token is then spent, also when two devices race for it. Only the
token's SHA-256 is stored; the secret is stored because the centre must check
the HMAC of every request with it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync.protocol import EnrollRequest, EnrollResponse
from sync.server.errors import Conflict, EnrolmentRefused
from sync.server.records import Clock, IdSource
from sync.server.storage import Storage
from sync.server.storage import devices as store
from sync.server.storage.audit import record_event

DEFAULT_ROLE = "technician"


def new_token() -> str:
    """A new enrolment token: 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


def new_secret() -> str:
    """A new device secret: 43 URL-safe characters (256 bits)."""
    return secrets.token_urlsafe(32)


def new_device_id() -> str:
    """An id for a device that did not bring its own."""
    return f"dev-{uuid.uuid4().hex[:12]}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as given to the supervisor (shown once, never stored as is)."""

    token: str
    technician_id: str | None
    role: str
    expires_at: datetime


class Enrolment:
    """Issues tokens and enrols devices.

    Args:
        storage: The service's storage.
        clock: The service's clock.
        new_token_text: Source of token text.
        new_secret_text: Source of device secrets.
        new_id: Source of device ids for devices that bring none.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock,
        new_token_text: IdSource = new_token,
        new_secret_text: IdSource = new_secret,
        new_id: IdSource = new_device_id,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._new_token = new_token_text
        self._new_secret = new_secret_text
        self._new_id = new_id

    def issue(
        self,
        *,
        expires_in: timedelta,
        technician_id: str | None = None,
        role: str = DEFAULT_ROLE,
        actor: str,
    ) -> IssuedToken:
        """A new single-use token, valid for ``expires_in`` from now."""
        now = self._clock()
        text = self._new_token()
        issued = IssuedToken(text, technician_id, role, now + expires_in)
        with self._storage.write() as connection:
            store.add_token(
                connection,
                token_hash=token_hash(text),
                technician_id=technician_id,
                role=role,
                created_at=now,
                expires_at=issued.expires_at,
                created_by=actor,
            )
            record_event(
                connection,
                at=now,
                actor=actor,
                event="token_issued",
                detail={"technician_id": technician_id, "role": role},
            )
        return issued

    def enrol(self, request: EnrollRequest) -> EnrollResponse:
        """Spend the token and create the device with a new secret.

        Raises:
            EnrolmentRefused: the token is unknown, used, expired, or issued
                for another technician.
            Conflict: the device id it brings is enrolled already.
        """
        now = self._clock()
        digest = token_hash(request.token)
        device_id = request.device_id or self._new_id()
        secret = self._new_secret()
        with self._storage.write() as connection:
            row = store.token(connection, digest)
            _check_token(row, request, now)
            if not store.use_token(connection, digest, device_id=device_id, at=now):
                raise EnrolmentRefused("This enrolment token was used already.")
            role = row._mapping["role"] if row is not None else DEFAULT_ROLE
            if not store.add_device(
                connection,
                device_id=device_id,
                name=request.device_name,
                technician_id=request.technician_id,
                role=role,
                secret=secret,
                at=now,
            ):
                raise Conflict(
                    f"A device with the id {device_id} is enrolled already; the "
                    "token was not used. Ask the depot to revoke the old record "
                    "or reset this device's id.",
                    record_id=device_id,
                )
            record_event(
                connection,
                at=now,
                actor=f"device:{device_id}",
                event="device_enrolled",
                detail={"technician_id": request.technician_id, "role": role},
            )
        return EnrollResponse(device_id=device_id, secret=secret)


def _check_token(row: object, request: EnrollRequest, now: datetime) -> None:
    mapping = getattr(row, "_mapping", None)
    if mapping is None:
        raise EnrolmentRefused(
            "This enrolment token is not known; check it or ask the depot for a "
            "new one."
        )
    if mapping["used_at"] is not None:
        raise EnrolmentRefused(
            "This enrolment token was used already; each token enrols one device."
        )
    if mapping["expires_at"] <= now:
        raise EnrolmentRefused("This enrolment token has expired; ask for a new one.")
    bound = mapping["technician_id"]
    if bound is not None and bound != request.technician_id:
        raise EnrolmentRefused(
            "This enrolment token was issued for another technician."
        )
