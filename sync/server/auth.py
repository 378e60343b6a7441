"""Verifying device requests: who sent it, is it fresh, was it seen before.

Each signed request names its device, a timestamp, a single-use nonce and the
HMAC of :func:`sync.auth.signature` over method, path, timestamp, nonce and the
body's hash. The centre refuses, in this order: a missing header, an unknown
device, a revoked device (revocation counts from the next request), a wrong
signature (such as another device's secret), a timestamp outside the window,
and a nonce the device used before. The nonce is remembered only once the
signature holds, so nobody can fill the store without the secret.

Timestamps are Unix seconds (``1767225600`` or ``1767225600.25``) or ISO 8601
with a timezone (``2026-01-01T00:00:00Z``).
"""

from __future__ import annotations

import math
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
from sync.server.records import Clock, DeviceRecord
from sync.server.storage import Storage
from sync.server.storage import devices as store

NONCE_MIN, NONCE_MAX = 8, 128


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

    def verify(
        self, *, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> DeviceRecord:
        """The device that signed this request.

        Raises:
            NotAuthenticated: a header is missing, the device is unknown or
                the signature is wrong.
            DeviceRevoked: the device is revoked.
            ReplayRefused: the timestamp is out of the window or the nonce
                was used before.
        """
        device_id, timestamp, nonce, given = _signed_headers(headers)
        now = self._clock()
        with self._storage.write() as connection:
            device = store.device(connection, device_id)
            if device is None:
                raise NotAuthenticated(
                    f"Device {device_id} is not enrolled here; enrol it with a "
                    "token from the depot.",
                    record_id=device_id,
                )
            if device.revoked:
                raise DeviceRevoked(
                    f"Device {device_id} was revoked; ask the depot to enrol it again.",
                    record_id=device_id,
                )
            expected = signature(
                device.secret,
                method=method,
                path=path,
                timestamp=timestamp,
                nonce=nonce,
                body=body,
            )
            if not signature_matches(expected, given):
                raise NotAuthenticated(
                    "The request's signature does not match this device's credential.",
                    record_id=device_id,
                )
            self._check_fresh(timestamp, now)
            if not store.remember_nonce(connection, device_id, nonce, at=now):
                raise ReplayRefused(
                    "This request was received before (its nonce was used); a "
                    "replayed request is never accepted.",
                    record_id=device_id,
                )
            store.seen(connection, device_id, at=now)
        return device

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
    """A request timestamp as a UTC time, or ``None`` when it is neither form."""
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
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(UTC)


def _signed_headers(headers: Mapping[str, str]) -> tuple[str, str, str, str]:
    names = (DEVICE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
    values = [headers.get(name, "") for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise NotAuthenticated(
            f"The request is not signed (missing {', '.join(missing)}); enrol the "
            "device and sign every request."
        )
    device_id, timestamp, nonce, given = values
    if not NONCE_MIN <= len(nonce) <= NONCE_MAX or len(device_id) > 64:
        raise NotAuthenticated(
            f"The nonce must be {NONCE_MIN} to {NONCE_MAX} characters long."
        )
    return device_id, timestamp, nonce, given
