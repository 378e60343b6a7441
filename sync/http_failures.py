"""What a failed call to the centre becomes: a
:class:`~sync.errors.SyncError` subclass that says what happened and what to
do, so raw ``httpx`` exceptions never leave the client::

    cannot connect                       CentreUnreachable   offline: retry later
    timeout, connection lost             SyncUnavailable     retry (maybe applied)
    429, 503 (Retry-After)               CentreBusy          wait, then retry
    408 (the body came too slowly)       SyncUnavailable     retry later
    other 5xx, a reply that is not JSON  SyncUnavailable     retry later
    401, 403                             SyncAuthFailed      ask the depot to re-enrol
    409                                  SyncConflict        a person must look
    413                                  BatchTooLarge       split the batch
    other 4xx                            SyncRejected        drop or flag
    TLS certificate not the pinned one,  CentreNotTrusted    re-enrol or pin:
      or not verifiable                                      nothing was sent
"""

from __future__ import annotations

import ssl
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from pydantic import ValidationError

from sync.errors import (
    BatchTooLarge,
    CentreBusy,
    CentreNotTrusted,
    SyncAuthFailed,
    SyncConflict,
    SyncRejected,
    SyncUnavailable,
)
from sync.pinning import CertificateMismatch
from sync.protocol import ErrorBody

KEPT = "Nothing was lost: the actions stay on this device."


def not_trusted(refused: ssl.SSLCertVerificationError, where: str) -> CentreNotTrusted:
    """The error for a TLS certificate refused at ``where``, saying what to do."""
    if isinstance(refused, CertificateMismatch):
        return CentreNotTrusted(
            f"The centre at {where} presented a TLS certificate with SHA-256 "
            f"fingerprint {refused.found}, but this device expects "
            f"{refused.expected}. The connection was closed before anything was "
            f"sent. {KEPT} If the depot changed its certificate, sync with --pin "
            "and the new fingerprint from the supervisor (edge-governance serve "
            "prints it), or enrol the device again; if it did not, someone may "
            "be impersonating the centre: tell the supervisor.",
            expected=refused.expected,
            found=refused.found,
        )
    reason = refused.verify_message or refused.reason or str(refused)
    return CentreNotTrusted(
        f"The centre at {where} presented a TLS certificate this device cannot "
        f"verify ({reason}). Nothing was sent. {KEPT} If the depot serves its own "
        "(self-signed) certificate, enrol with --pin and the SHA-256 fingerprint "
        "that the depot's edge-governance serve prints; ask the supervisor for it.",
    )


def certificate_refused(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The TLS certificate failure behind a connection error, if it is one."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def error_for(response: httpx.Response, where: str, *, now: datetime) -> Exception:
    """The :class:`~sync.errors.SyncError` for a reply that is not a success."""
    status, detail = response.status_code, _detail(response)
    if status in (429, 503):
        wait = retry_after(response.headers.get("Retry-After"), now=now)
        when = f" It asked to wait {_seconds(wait)}." if wait is not None else ""
        return CentreBusy(
            f"The centre at {where} is busy ({status}: {detail}).{when} {KEPT}",
            retry_after=wait,
            status_code=status,
        )
    if status == 401 and _code(response) == "device_revoked":
        return SyncAuthFailed(
            f"The centre has revoked this device: {detail} {KEPT}",
            title="Device revoked",
            status_code=status,
            detail=detail,
        )
    if status in (401, 403):
        return SyncAuthFailed(
            f"The centre does not accept this device ({status}: {detail}). The "
            "device may have been revoked or never enrolled: ask the depot to "
            f"re-enrol it. {KEPT}",
            title="Device not accepted",
            status_code=status,
            detail=detail,
        )
    if status == 409:
        return SyncConflict(
            f"The centre already holds something else under the same key "
            f"({detail}). A supervisor must look at it. {KEPT}",
            title="Conflicting record",
            status_code=status,
        )
    if status == 413:
        return BatchTooLarge(
            f"The centre refused the batch as too large ({detail}); send fewer "
            "actions at once.",
            title="Batch too large",
            status_code=status,
        )
    if status == 408:
        return SyncUnavailable(
            f"The centre at {where} stopped waiting for the request ({detail}). "
            f"{KEPT} Try again later.",
            title="Request too slow",
            status_code=status,
        )
    if 400 <= status < 500:
        return SyncRejected(
            f"The centre refused the request ({status}: {detail}).",
            title="Request refused",
            status_code=status,
        )
    return SyncUnavailable(
        f"The centre at {where} failed ({status}: {detail}). {KEPT} Try again later.",
        title="Central service failed",
        status_code=status,
    )


def retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay; never negative.

    ``None`` when the header is missing or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))


def _detail(response: httpx.Response) -> str:
    try:
        return ErrorBody.model_validate_json(response.content).detail
    except ValidationError:
        return response.reason_phrase or "no detail"


def _code(response: httpx.Response) -> str:
    try:
        return ErrorBody.model_validate_json(response.content).error
    except ValidationError:
        return ""


def _seconds(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
