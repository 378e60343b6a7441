"""Verifying device requests: who sent it, is it fresh, was it seen before.

Each signed request names its device, a timestamp, a single-use nonce and the
HMAC of :func:`sync.auth.signature` over method, path, timestamp, nonce and the
body's hash. The centre refuses, in this order: a missing or malformed header,
an unknown device or a wrong signature (such as another device's secret), a
revoked device (revocation counts from the next request), a timestamp outside
the window, and a nonce the device used before. The nonce is remembered only
once the signature holds, so nobody can fill the store without the secret.

Until the signature holds, every refusal gets the same answer (401
``not_authenticated``, one detail), so nobody can probe which device ids are
enrolled; the real reason goes to the service's log. An unknown device's
signature is computed all the same, against a stand-in secret. Only a request
that proves its device's secret is told that the device is revoked, or that
its timestamp or nonce is refused.

Timestamps are Unix seconds (``1767225600`` or ``1767225600.25``) or ISO 8601
with a timezone (``2026-01-01T00:00:00Z``).
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sync.auth import signature, signature_matches
from sync.protocol import (
    DEVICE_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from sync.server.errors import DeviceRevoked, NotAuthenticated, ReplayRefused
from sync.server.handover import revoked_message
from sync.server.records import Clock, DeviceRecord
from sync.server.storage import Storage
from sync.server.storage import devices as store

NONCE_MIN, NONCE_MAX = 8, 128
DEVICE_ID_MAX = 64
TIMESTAMP_MAX = 64
REFUSED = (
    "The centre cannot authenticate this request: it must be signed with the "
    "credential of a device enrolled here. If this device was enrolled, ask the "
    "depot to enrol it again."
)
"""The one answer to every request whose signature does not hold."""

logger = logging.getLogger("sync.server.auth")


class _Unproven(Exception):
    """Why a request did not prove its device (logged, never answered)."""


class Authenticator:
    """Checks signed device requests against the devices and nonces stored.

    Args:
        storage: The service's storage.
        clock: The service's clock.
        window_seconds: Largest allowed distance between the request's
            timestamp and the clock.
    """

    def __init__(self, storage: Storage, *, clock: Clock, window_seconds: int) -> None:
        self._storage = storage
        self._clock = clock
        self._window = timedelta(seconds=window_seconds)
        self._stand_in = secrets.token_hex(32)

    def verify(
        self, *, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> DeviceRecord:
        """The device that signed this request.

        Raises:
            NotAuthenticated: a header is missing or malformed, the device is
                unknown or the signature is wrong: one answer for all of them
                (:data:`REFUSED`); the reason is logged.
            DeviceRevoked: the device, proven by its signature, is revoked.
            ReplayRefused: the timestamp is out of the window or the nonce
                was used before.
        """
        try:
            device, timestamp, nonce = self._proven(method, path, headers, body)
        except _Unproven as exc:
            logger.warning("refused %s %s: %s", method, path[:200], exc)
            raise NotAuthenticated(REFUSED) from None
        if device.revoked:
            raise DeviceRevoked(revoked_message(device), record_id=device.device_id)
        now = self._clock()
        self._check_fresh(timestamp, now)
        with self._storage.write() as connection:
            if not store.remember_nonce(connection, device.device_id, nonce, at=now):
                raise ReplayRefused(
                    "This request was received before (its nonce was used); a "
                    "replayed request is never accepted.",
                    record_id=device.device_id,
                )
            store.seen(connection, device.device_id, at=now)
        return device

    def _proven(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[DeviceRecord, str, str]:
        """The device whose secret signed the request, its timestamp and nonce.

        Reads only: a request that proves nothing takes no write lock.
        """
        device_id, timestamp, nonce, given = _signed_headers(headers)
        with self._storage.read() as connection:
            device = store.device(connection, device_id)
        expected = signature(
            device.secret if device is not None else self._stand_in,
            method=method,
            path=path,
            timestamp=timestamp,
            nonce=nonce,
            body=body,
        )
        matched = signature_matches(expected, given)
        if device is None:
            raise _Unproven(f"device {device_id!r} is not enrolled here")
        if not matched:
            raise _Unproven(
                f"the signature does not match the credential of device {device_id!r}"
            )
        return device, timestamp, nonce

    def forget_old_nonces(self) -> int:
        """Drop nonces too old to matter (twice the window); returns how many."""
        before = self._clock() - 2 * self._window
        with self._storage.write() as connection:
            return store.forget_nonces(connection, before=before)

    def _check_fresh(self, timestamp: str, now: datetime) -> None:
        moment = parse_timestamp(timestamp)
        if moment is None:
            raise ReplayRefused(
                f"The request's timestamp {timestamp[:40]!r} is not Unix seconds or "
                "ISO 8601 with a timezone."
            )
        if abs(moment - now) > self._window:
            seconds = int(self._window.total_seconds())
            raise ReplayRefused(
                f"The request's time is more than {seconds} s from the centre's "
                "clock; check the device's clock and retry."
            )


def parse_timestamp(text: str) -> datetime | None:
    """A request timestamp as a UTC time, or ``None`` when it is neither form
    (or a time no calendar of this service can hold)."""
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds) or not 0 <= seconds < 1e11:
            return None
        return datetime.fromtimestamp(seconds, UTC)
    try:
        moment = datetime.fromisoformat(text)
        return None if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _signed_headers(headers: Mapping[str, str]) -> tuple[str, str, str, str]:
    names = (DEVICE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
    values = [headers.get(name, "") for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise _Unproven(f"missing {', '.join(missing)}")
    device_id, timestamp, nonce, given = values
    if len(device_id) > DEVICE_ID_MAX:
        raise _Unproven(f"a device id of {len(device_id)} characters")
    if len(timestamp) > TIMESTAMP_MAX:
        raise _Unproven(f"a timestamp of {len(timestamp)} characters")
    if not NONCE_MIN <= len(nonce) <= NONCE_MAX:
        raise _Unproven(f"a nonce of {len(nonce)} characters")
    return device_id, timestamp, nonce, given
