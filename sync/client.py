"""``SyncClient``: the device's HTTP client for the central service.

Every call after enrolment is signed (:mod:`sync.auth`). Failures become
:class:`~sync.errors.SyncError` subclasses; raw ``httpx`` exceptions never leave
this module::

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

A lost reply (the centre committed, the device never heard) is a
``SyncUnavailable`` like any other: pushing the same actions again is safe,
because the centre answers a repeated key with the result it stored.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from policies import PolicyError, first_key_set
from sync.auth import reply_signature, signature_matches, signed_headers
from sync.enrolment_binding import (
    MAX_TOKEN,
    MIN_TOKEN,
    binding_key,
    device_secret,
    enrol_request,
    matches,
    response_binding,
)
from sync.errors import (
    BatchTooLarge,
    CentreBusy,
    CentreNotTrusted,
    CentreUnreachable,
    ReplyNotAuthentic,
    SyncAuthFailed,
    SyncConflict,
    SyncRejected,
    SyncUnavailable,
)
from sync.evaluation_protocol import ReportReceipt, SuiteDownload, SuiteRequest
from sync.outbox.models import Clock, IdSource
from sync.pinning import CertificateMismatch
from sync.protocol import (
    API_PREFIX,
    REPLY_SIGNATURE_HEADER,
    EnrollResponse,
    ErrorBody,
    JournalRequest,
    JournalResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)

ENROLL_PATH = f"{API_PREFIX}/enroll"
PUSH_PATH = f"{API_PREFIX}/push"
PULL_PATH = f"{API_PREFIX}/pull"
JOURNAL_PATH = f"{API_PREFIX}/journal"
REPORTS_PATH = f"{API_PREFIX}/evaluation-reports"
SUITE_PATH = f"{API_PREFIX}/evaluation-suite"
KEPT = "Nothing was lost: the actions stay on this device."

Reply = TypeVar("Reply", bound=BaseModel)


class SyncClient:
    """Signed push and pull for one enrolled device.

    Args:
        http: The client to send with; its ``base_url`` is the centre's address
            and its timeouts apply. The caller owns and closes it.
        device_id: The id the centre gave this device at enrolment.
        secret: The device's signing secret from enrolment; never logged.
        clock: Gives the signing time (timezone-aware).
        new_nonce: Gives a new single-use nonce for each request.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        device_id: str,
        secret: str,
        clock: Clock,
        new_nonce: IdSource,
    ) -> None:
        self._http = http
        self._device_id = device_id
        self._secret = secret
        self._clock = clock
        self._new_nonce = new_nonce

    def __repr__(self) -> str:
        return f"SyncClient(device_id={self._device_id!r}, url={self.url!r})"

    @property
    def device_id(self) -> str:
        return self._device_id

    @property
    def url(self) -> str:
        """The centre's address, for messages."""
        return str(self._http.base_url)

    def push(self, request: PushRequest) -> PushResponse:
        """Send a batch of actions; the centre answers with one result each.

        Raises:
            SyncUnavailable: the centre cannot be reached or answered badly;
                :class:`CentreUnreachable` when no connection could be made,
                :class:`CentreBusy` when it asked to wait.
            SyncAuthFailed: the device is unknown or revoked.
            BatchTooLarge: too many actions or bytes at once; nothing applied.
            SyncConflict: the centre holds another payload under a key.
            SyncRejected: the centre refused the batch as invalid.
        """
        return self._signed(PUSH_PATH, request, PushResponse)

    def pull(self, request: PullRequest) -> PullResponse:
        """Fetch results, policy, knowledge base, jobs and kill switches.

        Raises:
            SyncUnavailable: as for :meth:`push`.
            SyncAuthFailed: the device is unknown or revoked.
            SyncRejected: the centre refused the request.
        """
        return self._signed(PULL_PATH, request, PullResponse)

    def journal(self, request: JournalRequest) -> JournalResponse:
        """Send turns and decisions; the reply names the new cursor.

        Raises:
            SyncUnavailable: as for :meth:`push` (sending again is safe).
            SyncAuthFailed: the device is unknown or revoked.
            SyncRejected: the centre refused the request.
        """
        return self._signed(JOURNAL_PATH, request, JournalResponse)

    def upload_report(self, report: bytes) -> ReportReceipt:
        """Send an evaluation report (``report.json``, its exact bytes).

        Raises:
            SyncUnavailable: as for :meth:`push` (sending again is safe).
            SyncAuthFailed: the device is unknown or revoked.
            BatchTooLarge: the report is larger than the centre takes.
            SyncRejected: the centre refused it (not a report it can read).
        """
        return self._signed(REPORTS_PATH, report, ReportReceipt)

    def fetch_suite(self, version: int | None = None) -> SuiteDownload:
        """The evaluation suite the centre published (the newest, or
        ``version``), its archive not yet checked against its SHA-256.

        Raises:
            SyncUnavailable: as for :meth:`push` (asking again is safe).
            SyncAuthFailed: the device is unknown or revoked.
            SyncRejected: the centre has no such suite (its message says so).
        """
        return self._signed(SUITE_PATH, SuiteRequest(version=version), SuiteDownload)

    def _signed(self, path: str, body: BaseModel | bytes, reply: type[Reply]) -> Reply:
        content = (
            body if isinstance(body, bytes) else body.model_dump_json().encode("utf-8")
        )
        nonce = self._new_nonce()

        def sign(request: httpx.Request) -> None:
            request.headers.update(
                signed_headers(
                    self._device_id,
                    self._secret,
                    method=request.method,
                    path=request.url.path,
                    body=content,
                    timestamp=signing_timestamp(self._clock()),
                    nonce=nonce,
                )
            )

        def verify(response: httpx.Response) -> None:
            expected = reply_signature(
                self._secret,
                nonce=nonce,
                status=response.status_code,
                body=response.content,
            )
            given = response.headers.get(REPLY_SIGNATURE_HEADER, "")
            if not signature_matches(expected, given):
                raise ReplyNotAuthentic(
                    f"The reply from {_where(self._http, path)} is not signed by "
                    "the centre for this request (changed or forged on the way): "
                    f"it was not taken. {KEPT} Sync again on a network you trust.",
                    title="Reply not trusted",
                    status_code=response.status_code,
                )

        return send(
            self._http,
            path,
            content,
            reply,
            clock=self._clock,
            sign=sign,
            verify=verify,
        )


@dataclass(frozen=True, slots=True)
class Enrolled:
    """What enrolment gave the device, once bound to the token.

    Attributes:
        device_id: The device's id at the centre.
        secret: The signing secret derived from the token and the reply.
        key_set: The centre's key set document, self-signed and bound to
            the token: the device's trust root.
    """

    device_id: str
    secret: str
    key_set: str


def enroll(
    http: httpx.Client,
    *,
    token: str,
    device_name: str,
    technician_id: str,
    device_id: str | None,
    clock: Clock,
) -> Enrolled:
    """Enrol this device with a single-use token (the only unsigned call).

    The token never crosses the wire (:mod:`sync.enrolment_binding`); the
    reply is taken only when it is bound to the token.

    Args:
        http: The client to send with; its ``base_url`` is the centre's address.
        token: The single-use enrolment token from the depot.
        device_name: A name people recognise the device by.
        technician_id: Who uses the device.
        device_id: The id the device's outbox already uses, for the centre to
            keep; ``None`` lets the centre choose one.
        clock: The current time, to read a ``Retry-After`` date.

    Raises:
        SyncUnavailable: the centre cannot be reached; the token is not used up.
        SyncAuthFailed: the token is unknown, used, expired or issued for
            another technician (the message gives the centre's reason), or
            the reply is not bound to the token (someone between the device
            and the centre changed it).
        SyncRejected: the centre refused the request (e.g. a malformed token).
    """
    if not MIN_TOKEN <= len(token) <= MAX_TOKEN:
        raise SyncRejected(
            f"Cannot enrol: an enrolment token is {MIN_TOKEN} to {MAX_TOKEN} "
            f"characters, this one is {len(token)}; copy it again from the depot.",
            title="Enrolment refused",
        )
    try:
        body = enrol_request(
            token,
            device_name=device_name,
            technician_id=technician_id,
            device_id=device_id,
        )
    except ValidationError as exc:
        raise SyncRejected(
            f"Cannot enrol: {_first_problem(exc)}.", title="Enrolment refused"
        ) from exc
    content = body.model_dump_json().encode("utf-8")
    try:
        reply = send(http, ENROLL_PATH, content, EnrollResponse, clock=clock)
    except CentreNotTrusted:
        raise
    except SyncAuthFailed as exc:
        reason = exc.detail or "The token is mistyped, used already or expired."
        raise SyncAuthFailed(
            f"The centre refused the enrolment: {reason} A token is single-use, "
            "expires, and when issued for a technician enrols only as that "
            f"technician (this device enrols as {technician_id!r}: technician_id "
            "in config.toml or EDGE_AGENT_TECHNICIAN_ID). Ask the depot for a new "
            "one.",
            title="Enrolment refused",
            status_code=exc.status_code,
            detail=exc.detail,
        ) from exc
    return _bound(token, reply)


def _bound(token: str, reply: EnrollResponse) -> Enrolled:
    """The reply's content, once its binding to ``token`` and its key set check."""
    key = binding_key(token)
    tampered = SyncAuthFailed(
        "The centre's enrolment reply is not bound to this token: something "
        "between this device and the centre changed it. Nothing was stored; "
        "enrol again on the depot's own network, with a new token if the "
        "centre spent this one.",
        title="Enrolment not trusted",
    )
    if not matches(response_binding(key, reply), reply.binding):
        raise tampered
    try:
        first_key_set(reply.key_set)
    except PolicyError as exc:
        raise tampered from exc
    return Enrolled(
        device_id=reply.device_id,
        secret=device_secret(key, reply.secret_seed),
        key_set=reply.key_set,
    )


def send(
    http: httpx.Client,
    path: str,
    content: bytes,
    reply: type[Reply],
    *,
    clock: Clock,
    sign: Callable[[httpx.Request], None] | None = None,
    verify: Callable[[httpx.Response], None] | None = None,
) -> Reply:
    """POST ``content`` as JSON to ``path``; parse the reply as ``reply``.

    ``verify`` checks a successful reply once it parses (it raises when the
    reply is not authentic), before anything of it is returned.

    Raises:
        SyncError: a subclass for every failure, as in the module's table.
    """
    where = _where(http, path)
    try:
        request = http.build_request(
            "POST", path, content=content, headers={"Content-Type": "application/json"}
        )
        if sign is not None:
            sign(request)
        response = http.send(request)
    except httpx.ConnectError as exc:
        refused = _certificate_refused(exc)
        if refused is not None:
            raise not_trusted(refused, where) from exc
        raise CentreUnreachable(
            f"Cannot reach the centre at {where} ({_describe(exc)}). {KEPT}",
            title="Offline",
        ) from exc
    except httpx.ConnectTimeout as exc:
        raise CentreUnreachable(
            f"Cannot reach the centre at {where} ({_describe(exc)}). {KEPT}",
            title="Offline",
        ) from exc
    except httpx.TimeoutException as exc:
        raise SyncUnavailable(
            f"The centre at {where} did not answer in time. {KEPT} Try again later.",
            title="Central service not answering",
        ) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise SyncUnavailable(
            f"Cannot reach the centre at {where} ({_describe(exc)}). {KEPT}",
            title="Central service unreachable",
        ) from exc
    if response.status_code >= 300:
        raise error_for(response, where, now=clock())
    parsed = _parsed(response, reply, where)
    if verify is not None:
        verify(response)
    return parsed


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


def _certificate_refused(exc: BaseException) -> ssl.SSLCertVerificationError | None:
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


def signing_timestamp(moment: datetime) -> str:
    """The ``X-Edge-Timestamp`` value: whole seconds since the Unix epoch."""
    return str(int(moment.timestamp()))


def _parsed(response: httpx.Response, reply: type[Reply], where: str) -> Reply:
    try:
        return reply.model_validate_json(response.content)
    except ValidationError as exc:
        kind = response.headers.get("Content-Type", "no content type")
        raise SyncUnavailable(
            f"The server at {where} answered, but not with a sync reply "
            f"({response.status_code}, {kind}: {_first_problem(exc)}). Check the "
            f"server address; if it is right, try again later. {KEPT}",
            title="Unexpected reply",
            status_code=response.status_code,
        ) from exc


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


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid"
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def _where(http: httpx.Client, path: str) -> str:
    return str(http.base_url).rstrip("/") or path


def _seconds(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
