"""The wire protocol between devices and the central governance service.

Versioned pydantic models shared by the client and the server (those of
evaluation in :mod:`sync.evaluation_protocol`; the content hashes that name a
KB, a suite or a policy in :mod:`sync.content_hashes`). Paths are under
``/v1``. Every device request after enrolment is signed (see
:mod:`sync.auth`): HMAC-SHA256 with the device's secret over the method,
path, timestamp, a single-use nonce and the body's hash.

Endpoints:

- ``POST /v1/enroll``: :class:`EnrollRequest` -> :class:`EnrollResponse`
  (single-use enrolment token; the only unsigned device call).
- ``POST /v1/push``: :class:`PushRequest` -> :class:`PushResponse`. At most
  :data:`MAX_BATCH_ACTIONS` actions and :data:`MAX_BATCH_BYTES` bytes, else
  413 with nothing applied.
- ``POST /v1/pull``: :class:`PullRequest` -> :class:`PullResponse`.
- ``POST /v1/journal``: :class:`JournalRequest` -> :class:`JournalResponse`:
  every turn's trace and every decision (denied ones too), after the actions,
  resumable from the device's cursor; at most :data:`MAX_JOURNAL_ENTRIES`
  entries and :data:`MAX_BATCH_BYTES` bytes.
- ``POST /v1/evaluation-reports``: an evaluation report (``report.json`` of
  ``edge-agent eval``, its exact bytes, read as
  :class:`~sync.evaluation_protocol.EvaluationReport`) ->
  :class:`~sync.evaluation_protocol.ReportReceipt`; at most
  :data:`MAX_REPORT_BYTES` bytes, else 413.
- ``POST /v1/evaluation-suite``: :class:`~sync.evaluation_protocol.SuiteRequest`
  -> :class:`~sync.evaluation_protocol.SuiteDownload`: the evaluation suite
  the centre published (the newest, or a version), as one archive with its
  SHA-256; 404 when there is none.
- ``GET /v1/health``, ``GET /v1/metrics`` (unsigned, no device data).
  Health answers ``ok``, ``degraded`` (every device slot taken) or
  ``unavailable`` (503), with the slots in use and their limits.

Limits of every request body (the centre refuses a body past one with 422,
nothing applied): JSON nested at most :data:`MAX_JSON_DEPTH` deep; no NaN or
Infinity; whole numbers within 64 bits (:data:`MAX_BIG_INT`), and sequence
numbers, versions and cursors within :data:`MAX_INT`; text no longer than the
field's ``max_length`` (the centre's column), without NUL characters or lone
surrogates; times as ISO 8601 with a time zone (:data:`WireTime`). A body
must arrive within the centre's body timeout (10 s by default), else 408.

Errors are JSON ``{"error": code, "detail": message}`` (:class:`ErrorBody`)
with 400, 401, 403, 408 (the body came too slowly), 409 (same key, other
payload), 413, 422 or 429 (with ``Retry-After``). Every request that does not
prove its device (a header missing, an unknown device, a wrong signature)
gets the same 401 ``not_authenticated``; only a correctly signed request
hears that its device is revoked (``device_revoked``) or that its time or
nonce is refused (``replay_refused``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from policies.encoding import canonical_json

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"
MAX_BATCH_ACTIONS = 500
MAX_BATCH_BYTES = 8 * 1024 * 1024
MAX_JOURNAL_ENTRIES = 200
MAX_REPORT_BYTES = 4 * 1024 * 1024
"""Largest evaluation report a device uploads (the demo suite's is about
0.2 MB)."""
MAX_SUITE_BYTES = 32 * 1024 * 1024
"""Most bytes an evaluation suite's files may hold, all together."""
MAX_INT = 2**31 - 1
"""Largest sequence number of an action, version or result cursor (the
centre keeps them in 32-bit columns)."""
MAX_BIG_INT = 2**63 - 1
"""Largest whole number anywhere in a request (and a journal place, a decision's
sequence number, a trace's nanoseconds)."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects in a request body."""
MAX_TIME_TEXT = 40
"""Longest time text (``2026-05-04T10:11:12.123456Z`` is 27 characters)."""

# Signed-request headers.
DEVICE_HEADER = "X-Edge-Device"
TIMESTAMP_HEADER = "X-Edge-Timestamp"
NONCE_HEADER = "X-Edge-Nonce"
SIGNATURE_HEADER = "X-Edge-Signature"
REPLY_SIGNATURE_HEADER = "X-Edge-Reply-Signature"
"""On every successful reply to a signed request: an HMAC with the device's
secret over the request's nonce, the status and the body's hash
(:func:`sync.auth.reply_signature`). A device takes no reply without it."""
SIGNATURE_WINDOW_SECONDS = 300
"""How far a request's timestamp may be from the centre's clock."""

ResultStatus = Literal["applied", "quarantined", "rejected", "held"]
"""What the centre did with an action. ``held``: a gap in the device's
sequence before it; it is applied once the gap is filled."""


def _plain(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text must not hold a NUL character")
    return text


def _time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("no time zone")
        moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            "must be an ISO 8601 time with a time zone, within the calendar"
        ) from exc
    return text


Plain = Annotated[str, AfterValidator(_plain)]
"""Text without NUL characters (the centre keeps it in a text column)."""
WireTime = Annotated[str, Field(max_length=MAX_TIME_TEXT), AfterValidator(_time)]
"""A time as ISO 8601 with a time zone, e.g. ``2026-05-04T10:11:12.123456Z``."""
Seq = Annotated[int, Field(ge=1, le=MAX_INT)]
Counter = Annotated[int, Field(ge=0, le=MAX_INT)]
Nanoseconds = Annotated[int, Field(ge=0, le=MAX_BIG_INT)]


class WireModel(BaseModel):
    """Base of every wire model: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorBody(WireModel):
    error: str
    detail: str


class EnrollRequest(WireModel):
    """An enrolment, proven with the token without sending it
    (:mod:`sync.enrolment_binding`)."""

    token_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    """The enrolment token's SHA-256 (hex)."""
    proof: str = Field(pattern=r"^[0-9a-f]{64}$")
    """HMAC of the other fields with the key derived from the token."""
    device_name: Plain = Field(min_length=1, max_length=120)
    technician_id: Plain = Field(min_length=1, max_length=120)
    device_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"
    )
    """The id the device's outbox already hashes into its chain (its local
    id). The centre keeps it as the device's id, so the chain verifies; when
    omitted the centre assigns one, which the device must then use."""


class EnrollResponse(WireModel):
    device_id: str
    secret_seed: str
    """The device's signing secret is derived from it and the token."""
    key_set: str
    """The centre's current key set document: the device's trust root."""
    binding: str
    """HMAC of the other fields with the key derived from the token."""


class WireTrace(WireModel):
    """A turn's trace as the outbox stores it."""

    trace_id: Plain = Field(max_length=128)
    name: Plain = Field(max_length=120)
    start_ns: Nanoseconds
    end_ns: Nanoseconds
    spans: list[dict[str, Any]]


class WireAction(WireModel):
    """One queued action, exactly as the device recorded it (chain fields too)."""

    key: Plain = Field(min_length=8, max_length=64)
    seq: Seq
    tool: Plain = Field(max_length=120)
    action_type: Plain = Field(max_length=64)
    payload: dict[str, Any]
    payload_hash: Plain = Field(max_length=64)
    state: Literal["queued", "awaiting_approval"]
    decision: dict[str, Any]
    """The device's decision; ``interactive: true`` when its policy asked for
    the confirmation at a prompt (absent otherwise, and from older devices)."""
    confirmation: dict[str, Any] | None
    """The technician's confirmation; ``interactive: true`` when given at a
    prompt that showed the action (absent from older devices: not at one)."""
    evidence: dict[str, Any]
    """What the proposal rested on. The centre decides again on its optional
    ``proposed_by``, ``model_confidence``, ``grounded`` and
    ``argument_origins`` (argument name to ``typed``, ``photo``, ``document``
    or ``model``); an action without origins (an older device) is accepted,
    and the centre's rules read each of its origins as ``unknown``."""
    trace_id: Plain = Field(max_length=128)
    created_at: WireTime
    prev_hash: Plain = Field(max_length=64)
    row_hash: Plain = Field(max_length=64)


class WireLink(WireModel):
    """The chain link of an action the device does not send (denied on the
    device, cancelled, or still waiting for the technician), so the centre can
    check the chain across it instead of waiting for it."""

    seq: Seq
    prev_hash: Plain = Field(max_length=64)
    row_hash: Plain = Field(max_length=64)
    state: Literal["proposed", "denied", "cancelled"]


class PushRequest(WireModel):
    actions: list[WireAction] = Field(max_length=MAX_BATCH_ACTIONS)
    traces: list[WireTrace] = Field(default_factory=list)
    client_version: Plain = Field(default="", max_length=200)
    links: list[WireLink] = Field(default_factory=list, max_length=MAX_BATCH_ACTIONS)
    """Links of unsent actions with sequence numbers up to the batch's last."""


class WireDecision(WireModel):
    """What the device decided about one proposed action, and what became of it
    there (``denied`` ones never reach the centre any other way)."""

    key: Plain = Field(max_length=64)
    seq: int = Field(ge=1, le=MAX_BIG_INT)
    tool: Plain = Field(max_length=64)
    state: Plain = Field(max_length=32)
    payload: dict[str, Any]
    decision: dict[str, Any]
    created_at: WireTime


class JournalEntry(WireModel):
    """One turn: its trace and the decisions it recorded."""

    place: int = Field(ge=1, le=MAX_BIG_INT)
    """Its place in the device's journal (the cursor after it)."""
    trace: WireTrace
    saved_at: WireTime
    decisions: list[WireDecision] = Field(default_factory=list, max_length=50)


class JournalRequest(WireModel):
    entries: list[JournalEntry] = Field(max_length=MAX_JOURNAL_ENTRIES)


class JournalResponse(WireModel):
    stored_through: int
    """The highest place the centre now holds: the device's new cursor."""
    new: int
    """How many entries the centre had not seen before."""


class ActionResult(WireModel):
    """The centre's result for one action; repeated pushes get the same one."""

    key: str
    seq: int
    status: ResultStatus
    reason: str
    decision: dict[str, Any] | None = None
    """The centre's own decision under its current policy, when it made one."""
    result_id: int = 0
    """Position in the device's result stream (for pull cursors)."""


class PushResponse(WireModel):
    results: list[ActionResult]


class PullRequest(WireModel):
    results_after: Counter = 0
    """Cursor: the highest ``result_id`` the device has stored."""
    policy_version: Counter = 0
    kb_version: Counter = 0
    jobs_version: Counter = 0
    key_set_version: Counter = 0
    """The centre key set the device trusts (0: none, it is not enrolled)."""
    refused: list[Annotated[str, Field(max_length=2000)]] | None = Field(
        default=None, max_length=20
    )
    """Why the device refused what its last pull brought ([]: it took
    everything); ``None``: no news since it last said."""
    model: Plain = Field(default="", max_length=200)
    """The model file the device answers with (its name; empty: unknown)."""
    queue_depth: int | None = Field(default=None, ge=0, le=MAX_INT)
    """Actions still waiting on the device (queued, awaiting approval or sent
    without a result) once its sync is done; ``None``: not said."""
    model_sha256: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    """The SHA-256 of that model file (hex; empty: unknown)."""
    release_id: int | None = Field(default=None, ge=0, le=MAX_INT)
    """The release manifest the device holds (0: none); ``None``: an app that
    takes no release manifests, so none is sent to it."""


class KbDelta(WireModel):
    """A knowledge-base snapshot or delta, signed like a policy bundle."""

    version: int
    base_version: int | None
    files: dict[str, str]
    """Document id -> file content, base64."""
    removed: list[str] = Field(default_factory=list)
    signature: str
    key_id: str

    def signed_bytes(self) -> bytes:
        """What the Ed25519 signature covers: canonical JSON of every other field."""
        return canonical_json(self.model_dump(mode="json", exclude={"signature"}))


class ReleaseModel(WireModel):
    """A model file a release allows: its name and the SHA-256 of its bytes."""

    name: Plain = Field(max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ReleaseManifest(WireModel):
    """The release a device runs by, signed like a policy bundle: the model
    files it may load and the versions that make up the release."""

    release_id: int = Field(ge=1, le=MAX_INT)
    """The release's number; a device takes only a higher one than it holds."""
    name: Plain = Field(max_length=120)
    models: list[ReleaseModel] = Field(max_length=16)
    """The model files the device may load (the app's default model always)."""
    policy_version: int = Field(ge=0, le=MAX_INT)
    kb_version: int = Field(ge=0, le=MAX_INT)
    kb_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """The KB's content hash (:func:`sync.content_hashes.kb_content_sha256`)."""
    app_version: Plain = Field(max_length=64)
    issued_at: WireTime
    """When the release was made at the centre."""
    signature: str
    key_id: str

    def signed_bytes(self) -> bytes:
        """What the Ed25519 signature covers: canonical JSON of every other field."""
        return canonical_json(self.model_dump(mode="json", exclude={"signature"}))

    def allows(self, sha256: str) -> bool:
        """Whether a model file with this SHA-256 is part of the release."""
        return any(model.sha256 == sha256 for model in self.models)


KB_DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".pdf", ".csv")
"""The kinds of file a KB snapshot may carry as documents (devices read these)."""
KB_DESCRIPTION_FILES = frozenset({"kb.toml", "glossary.toml"})
"""Files a KB snapshot may carry that describe the KB itself (code formats,
glossary)."""


def is_kb_file(name: str) -> bool:
    """Whether a device takes a file of this name in a KB snapshot."""
    base = name.rsplit("/", 1)[-1]
    suffix = base[base.rfind(".") :].lower() if "." in base else ""
    return suffix in KB_DOCUMENT_SUFFIXES or base in KB_DESCRIPTION_FILES


class KillSwitchState(WireModel):
    agent: bool = False
    tools: list[str] = Field(default_factory=list)
    reason: str = ""


class SkippedUpdate(WireModel):
    """An update the centre holds but did not send: the device reports a
    newer version than the centre's newest, so it would ignore it."""

    part: Literal["policy", "kb"]
    message: str


class PullResponse(WireModel):
    results: list[ActionResult]
    results_cursor: int
    more_results: bool = False
    """More results wait after ``results_cursor``: pull again at once."""
    policy_bundle: str | None = None
    """The newest signed bundle (its JSON text), when newer than the device's."""
    kb: KbDelta | None = None
    jobs: dict[str, Any] | None = None
    """The device's job book (``jobs`` and ``assets``), when changed."""
    jobs_version: int = 0
    kill_switch: KillSwitchState = Field(default_factory=KillSwitchState)
    skipped: list[SkippedUpdate] = Field(default_factory=list)
    """Updates not sent, and why: the device says so as it says a refusal."""
    key_sets: list[str] = Field(default_factory=list)
    """The centre's key set documents above the device's, oldest first; the
    device follows them before it checks the bundle and the KB."""
    release: ReleaseManifest | None = None
    """The newest release's signed manifest, when newer than the device's
    (sent only to apps that say which they hold; left out of the JSON when
    there is none, so older apps read the reply as before)."""
