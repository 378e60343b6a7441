"""``SyncClient``: the device's HTTP client for the central service.

Every call after enrolment is signed (:mod:`sync.auth`). Failures become
:class:`~sync.errors.SyncError` subclasses (the table in
:mod:`sync.http_failures`); raw ``httpx`` exceptions never leave the client
(:mod:`sync.sending`).

A lost reply (the centre committed, the device never heard) is a
``SyncUnavailable`` like any other: pushing the same actions again is safe,
because the centre answers a repeated key with the result it stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
    CentreNotTrusted,
    ReplyNotAuthentic,
    SyncAuthFailed,
    SyncRejected,
)
from sync.evaluation_protocol import ReportReceipt, SuiteDownload, SuiteRequest
from sync.http_failures import KEPT
from sync.outbox.models import Clock, IdSource
from sync.protocol import (
    API_PREFIX,
    REPLY_SIGNATURE_HEADER,
    EnrollResponse,
    JournalRequest,
    JournalResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.sending import Reply, address_of, first_problem, send

ENROLL_PATH = f"{API_PREFIX}/enroll"
PUSH_PATH = f"{API_PREFIX}/push"
PULL_PATH = f"{API_PREFIX}/pull"
JOURNAL_PATH = f"{API_PREFIX}/journal"
REPORTS_PATH = f"{API_PREFIX}/evaluation-reports"
SUITE_PATH = f"{API_PREFIX}/evaluation-suite"


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
                    f"The reply from {address_of(self._http, path)} is not signed by "
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
            f"Cannot enrol: {first_problem(exc)}.", title="Enrolment refused"
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


def signing_timestamp(moment: datetime) -> str:
    """The ``X-Edge-Timestamp`` value: whole seconds since the Unix epoch."""
    return str(int(moment.timestamp()))
