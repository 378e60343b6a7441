"""Errors raised by the sync package, on the device and at the centre.

    SyncError                   anything sync reports, shown to the user as is
    ├── OutboxError             the outbox refused or could not do a write or read
    │   ├── OutboxCorrupt       outbox.db is damaged or not a database; left as is
    │   ├── UnknownAction       no action with that idempotency key
    │   ├── UnknownTrace        no trace with that id
    │   └── InvalidTransition   the action's state does not allow that change
    ├── SyncUnavailable         the centre cannot be reached now: retry later
    │   ├── CentreBusy          429 or 503: wait as long as it asked, then retry
    │   ├── CentreUnreachable   no connection could be made; the request never left
    │   └── ReplyNotAuthentic   a reply not signed for its request: not taken
    ├── SyncRejected            the centre refused the request: drop or flag it
    │   ├── SyncAuthFailed      401 or 403: the device must be enrolled again
    │   │   └── CentreNotTrusted  the centre's TLS certificate is not the pinned
    │   │                       one, or not trusted: nothing was sent
    │   └── BatchTooLarge       413: send fewer actions at once
    └── SyncConflict            the centre holds something else under that key

Being offline is a state, not a failure: the outbox stays intact and the app
shows what is queued. SQLite and HTTP exceptions never leave this package raw.
"""

from __future__ import annotations

from datetime import timedelta


class SyncError(Exception):
    """Base class: a plain-language ``message`` and the record it concerns.

    Attributes:
        message: What went wrong and what to do, in plain language.
        title: A short heading for dialogs, when there is one.
        record_id: The idempotency key or trace id concerned, if any.
        status_code: The centre's HTTP status, for errors of the HTTP client.
        detail: The centre's own explanation of a refusal, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        record_id: str | None = None,
        status_code: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.title = title
        self.record_id = record_id
        self.status_code = status_code
        self.detail = detail


class OutboxError(SyncError):
    """The outbox could not do what was asked; nothing was half-written."""


class OutboxCorrupt(OutboxError):
    """The outbox file cannot be used; it is left untouched on disk."""


class UnknownAction(OutboxError):
    """No action has this idempotency key (or it was pruned)."""


class UnknownTrace(OutboxError):
    """No trace has this id."""


class InvalidTransition(OutboxError):
    """The action is in a state that does not allow the requested change."""


class SyncUnavailable(SyncError):
    """The centre cannot be reached or is overloaded: keep the items, retry later."""


class CentreBusy(SyncUnavailable):
    """The centre is overloaded or down for maintenance (429 or 503).

    Attributes:
        retry_after: How long the centre asked the device to wait, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: timedelta | None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, title="Central service busy", status_code=status_code)
        self.retry_after = retry_after


class CentreUnreachable(SyncUnavailable):
    """No connection to the centre could be made: the request never left.

    Offline is a state: the device keeps its actions and tries at the next sync.
    """


class ReplyNotAuthentic(SyncUnavailable):
    """A reply without the centre's signature for this request (changed or
    forged on the way): nothing of it is taken, and as with a lost reply,
    sending again later is safe."""


class SyncRejected(SyncError):
    """The centre refused the request as invalid: retrying will not help."""


class SyncAuthFailed(SyncRejected):
    """The centre does not accept this device's credentials (401 or 403)."""


class CentreNotTrusted(SyncAuthFailed):
    """The centre's TLS certificate is not the one this device pinned, or does
    not verify: the connection was closed before anything was sent. The
    device is enrolled again (or given the right pin) once the depot confirms
    its certificate.

    Attributes:
        expected: The pinned fingerprint, when a pin was checked.
        found: The fingerprint the centre presented, when it was read.
    """

    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(message, title="Centre not trusted")
        self.expected = expected
        self.found = found


class BatchTooLarge(SyncRejected):
    """The centre refused a push as too large (413); send fewer actions at once."""


class SyncConflict(SyncError):
    """The centre already holds a different record under the same key."""
