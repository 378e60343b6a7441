"""Errors of the central service, each with the HTTP status and code it maps to.

    SyncError (sync.errors)
    └── ServerError             anything the service refuses or cannot do
        ├── NotAuthenticated    401: no credential, unknown device, bad signature
        │   ├── DeviceRevoked   401: the device was revoked
        │   └── ReplayRefused   401: a reused nonce or a timestamp out of window
        ├── SignInRefused       401: a console sign-in with wrong credentials, or
        │                            too many failures lately
        ├── EnrolmentRefused    403: the token is unknown, used, expired or bound
        ├── NotAllowed          403: a console person's role or form may not do this
        ├── RecordNotFound      404: no such action, device or file
        ├── Conflict            409: the centre holds something else under a key
        │   └── PayloadConflict 409: same idempotency key, different action
        ├── BodyTimeout         408: the body did not arrive in time
        ├── BatchRefused        413: too many actions or bytes; nothing applied
        ├── RequestInvalid      422: the body is not what the protocol says
        ├── Overloaded          429: too many requests in flight; retry later
        ├── PublishRefused      a supervisor command that cannot be done as asked
        │   └── SuiteRefused    an evaluation suite that cannot be published
        ├── StorageUnavailable  503: the database cannot be reached or written
        ├── DeliveryFailed      a connector could not hand an applied action on
        └── ConfigInvalid       the service's settings cannot work (exit code 2)

The HTTP layer turns each into ``{"error": code, "detail": message}``; the
command line prints the message. Messages are plain language and never hold a
secret.
"""

from __future__ import annotations

from sync.errors import SyncError


class ServerError(SyncError):
    """Base class: a plain-language ``message``, its HTTP status and error code.

    Attributes:
        code: The ``error`` field of the JSON error body.
        http_status: The HTTP status it maps to.
    """

    code = "server_error"
    http_status = 500

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        record_id: str | None = None,
    ) -> None:
        super().__init__(
            message, title=title, record_id=record_id, status_code=self.http_status
        )


class NotAuthenticated(ServerError):
    """The request does not prove which enrolled device sent it."""

    code = "not_authenticated"
    http_status = 401


class DeviceRevoked(NotAuthenticated):
    """The device was revoked; it must be enrolled again."""

    code = "device_revoked"


class ReplayRefused(NotAuthenticated):
    """The request was seen before or is too old (or too new) to trust."""

    code = "replay_refused"


class EnrolmentRefused(ServerError):
    """The enrolment token cannot be used."""

    code = "enrolment_refused"
    http_status = 403


class SignInRefused(ServerError):
    """A person could not sign in to the console: unknown name or wrong
    password (one message for both), a disabled account, or too many
    failures lately."""

    code = "sign_in_refused"
    http_status = 401


class NotAllowed(ServerError):
    """A signed-in person may not do this: an auditor's change, or a form
    without its CSRF token."""

    code = "not_allowed"
    http_status = 403


class RecordNotFound(ServerError):
    """No such record."""

    code = "not_found"
    http_status = 404


class Conflict(ServerError):
    """The centre already holds something else here."""

    code = "conflict"
    http_status = 409


class PayloadConflict(Conflict):
    """An idempotency key was pushed before with a different action."""

    code = "key_conflict"


class BodyTimeout(ServerError):
    """The request's body did not arrive within the body timeout."""

    code = "request_timeout"
    http_status = 408


class BatchRefused(ServerError):
    """The push is over the batch limits; nothing of it was applied."""

    code = "batch_too_large"
    http_status = 413


class RequestInvalid(ServerError):
    """The request body is not what the protocol says."""

    code = "invalid_request"
    http_status = 422


class Overloaded(ServerError):
    """Too many requests in flight: the client should retry after a while.

    Attributes:
        retry_after: Seconds the client should wait.
    """

    code = "overloaded"
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PublishRefused(ServerError):
    """A supervisor's command that cannot be done as asked (e.g. an old version)."""

    code = "publish_refused"
    http_status = 409


class SuiteRefused(PublishRefused):
    """An evaluation suite the centre cannot publish (exit code 6)."""

    code = "suite_refused"


class StorageUnavailable(ServerError):
    """The database cannot be reached or written; nothing was half-written."""

    code = "storage_unavailable"
    http_status = 503


class DeliveryFailed(ServerError):
    """A connector could not deliver an applied action; it stays queued.

    Attributes:
        retryable: Whether trying again later may succeed (a timeout, a 5xx)
            rather than needing someone to look (a 4xx).
    """

    code = "delivery_failed"
    http_status = 502

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ConfigInvalid(ServerError):
    """The service's settings cannot work as given; the message says which."""

    code = "config_invalid"
    http_status = 500
