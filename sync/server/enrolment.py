"""Enrolling devices: single-use, expiring tokens that become device credentials.

A supervisor issues a token (optionally for one technician, always with a
role and an expiry). The first device to prove it holds the token gets an id,
a signing secret and the centre's key set, all bound to the token
(:mod:`sync.enrolment_binding`); the token is then spent, also when two
devices race for it. The token itself is never stored: only its SHA-256 and
the binding key derived from it. The device's secret is stored because the
centre must check the HMAC of every request with it.

A revoked device enrols again only with a hand-over token
(:mod:`sync.server.handover`), under its own id and with a new secret.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from sync.enrolment_binding import (
    binding_key,
    device_secret,
    matches,
    request_proof,
    response_binding,
    token_id,
)
from sync.protocol import EnrollRequest, EnrollResponse
from sync.server.centre_keys import CentreKeys
from sync.server.errors import Conflict, EnrolmentRefused
from sync.server.handover import (
    handover_device,
    issue_handover,
    reinstate,
    revoked_message,
)
from sync.server.records import Clock, DeviceRecord, IdSource
from sync.server.storage import Storage, handovers
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
        keys: The centre's keys; enrolment hands out the current key set.
        clock: The service's clock.
        new_token_text: Source of token text.
        new_secret_text: Source of device secrets.
        new_id: Source of device ids for devices that bring none.
    """

    def __init__(
        self,
        storage: Storage,
        keys: CentreKeys,
        *,
        clock: Clock,
        new_token_text: IdSource = new_token,
        new_secret_text: IdSource = new_secret,
        new_id: IdSource = new_device_id,
    ) -> None:
        self._storage = storage
        self._keys = keys
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
                token_hash=token_id(text),
                binding_key=binding_key(text),
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

    def issue_handover(
        self,
        device_id: str,
        *,
        expires_in: timedelta,
        technician_id: str | None = None,
        actor: str,
    ) -> IssuedToken:
        """A single-use token that re-enrols the revoked ``device_id`` (see
        :mod:`sync.server.handover`), for its technician unless another is
        given.

        Raises:
            RecordNotFound: no such device.
            Conflict: the device is not revoked.
        """
        text = self._new_token()
        expires_at = self._clock() + expires_in
        technician = issue_handover(
            self._storage,
            device_id,
            token=text,
            expires_at=expires_at,
            technician_id=technician_id,
            actor=actor,
            clock=self._clock,
        )
        with self._storage.read() as connection:
            device = store.device(connection, device_id)
        role = device.role if device is not None else DEFAULT_ROLE
        return IssuedToken(text, technician, role, expires_at)

    def enrol(self, request: EnrollRequest) -> EnrollResponse:
        """Spend the token and create the device with a new secret; a
        hand-over token gives its revoked device a new secret instead.

        Raises:
            EnrolmentRefused: the token is unknown (or not proven), used,
                expired, or issued for another technician; a hand-over token
                for another device; a plain token for a revoked device.
            Conflict: the device id it brings is enrolled already.
        """
        now = self._clock()
        digest = request.token_id
        seed = self._new_secret()
        key_set = self._keys.current().encode()
        with self._storage.write() as connection:
            row = store.token(connection, digest)
            key = _proven_key(row, request)
            _check_token(row, request, now)
            handover = handovers.handover_of_token(connection, digest)
            if handover is not None:
                device_id = handover_device(handover, request)
            else:
                device_id = request.device_id or self._new_id()
            if not store.use_token(connection, digest, device_id=device_id, at=now):
                raise EnrolmentRefused("This enrolment token was used already.")
            role = row._mapping["role"] if row is not None else DEFAULT_ROLE
            secret = device_secret(key, seed)
            if handover is not None:
                reinstate(
                    connection, handover, request, role=role, secret=secret, at=now
                )
            else:
                self._add(connection, request, device_id, role, secret, now)
        unbound = EnrollResponse(
            device_id=device_id, secret_seed=seed, key_set=key_set, binding=""
        )
        return unbound.model_copy(update={"binding": response_binding(key, unbound)})

    @staticmethod
    def _add(
        connection: Connection,
        request: EnrollRequest,
        device_id: str,
        role: str,
        secret: str,
        now: datetime,
    ) -> None:
        if not store.add_device(
            connection,
            device_id=device_id,
            name=request.device_name,
            technician_id=request.technician_id,
            role=role,
            secret=secret,
            at=now,
        ):
            _refuse_taken(store.device(connection, device_id), device_id)
        record_event(
            connection,
            at=now,
            actor=f"device:{device_id}",
            event="device_enrolled",
            detail={"technician_id": request.technician_id, "role": role},
        )


def _refuse_taken(existing: DeviceRecord | None, device_id: str) -> None:
    """Refuse an enrolment under an id that is taken (the token stays unused)."""
    if existing is not None and existing.revoked:
        raise EnrolmentRefused(
            f"{revoked_message(existing)} An ordinary enrolment token does not "
            "re-enrol a revoked device. This token was not used.",
            title="Hand-over needed",
            record_id=device_id,
        )
    raise Conflict(
        f"A device with the id {device_id} is enrolled already; the token was "
        "not used. If this is that device, it is enrolled: sync with it. "
        "Otherwise reset this device's id.",
        record_id=device_id,
    )


def _proven_key(row: object, request: EnrollRequest) -> str:
    """The token's binding key, once the request's proof matches it."""
    mapping = getattr(row, "_mapping", None)
    unknown = EnrolmentRefused(
        "This enrolment token is not known; check it or ask the depot for a new one."
    )
    if mapping is None:
        raise unknown
    key = mapping["binding_key"]
    if key is None:
        raise EnrolmentRefused(
            "This enrolment token was issued by an older version of the centre; "
            "ask the depot for a new one."
        )
    if not matches(request_proof(key, request), request.proof):
        raise unknown
    return str(key)


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
