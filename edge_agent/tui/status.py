"""What the status bar says: the device's state as short, labelled pieces.

Pure values and formatting (no stores, no Textual): :mod:`edge_agent.tui.tasks.status`
reads a :class:`StatusSnapshot`, the status bar widget shows its pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from edge_agent.act.data_age import DataSources, freshness_record
from edge_agent.jobs import EMPTY

Tone = Literal["good", "warning", "error", "plain"]


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    """The device's state at one moment, as the status bar shows it.

    Attributes:
        online: The centre answered the last reachability check.
        enrolled: The device has credentials for a centre.
        server_url: The centre's address, if one is known.
        queued: Actions on their way to the centre (queued, awaiting
            approval, sent without a result yet).
        last_sync_at: When a sync last reached the centre (ISO 8601), if ever.
        policy_version: The active policy bundle's version, if any.
        policy_expires: When it expires (ISO 8601), if there is one.
        read_only: Why no actions can be queued (the reason shown), or None.
        kb_name: The knowledge base's name.
        kb_version: Its version.
        kb_documents: How many documents it holds.
        refused: Why the last sync's updates were refused, if any were.
        data: When the job book and the KB came, and the last sync.
        data_age_limits: The ages (seconds) past which the job book's and
            the KB's ages show amber, then red.
        held: Why every action waits for a supervisor's approval whatever
            the policy says (the record of the centre's kill switch was
            damaged), or None.
    """

    online: bool
    enrolled: bool
    server_url: str | None
    queued: int
    last_sync_at: str | None
    policy_version: int | None
    policy_expires: str | None
    read_only: str | None
    kb_name: str
    kb_version: int
    kb_documents: int
    refused: tuple[str, ...] = ()
    data: DataSources = field(default_factory=DataSources)
    data_age_limits: tuple[float, float] = (48 * 3600.0, 7 * 86_400.0)
    held: str | None = None


@dataclass(frozen=True, slots=True)
class StatusPiece:
    """One labelled piece of the status bar and how it should stand out."""

    text: str
    tone: Tone = "plain"
    spare: int = 0
    """Which pieces go first when the line is too narrow (1 first, then 2;
    0: never)."""


def status_pieces(
    snapshot: StatusSnapshot | None, model: str, now: datetime
) -> list[StatusPiece]:
    """The status bar's pieces, left to right; ``model`` is the model's state."""
    tone = _model_tone(model)
    model_piece = StatusPiece(model, tone, spare=2 if tone == "plain" else 0)
    if snapshot is None:
        return [StatusPiece("reading the device's state…"), model_piece]
    connection = (
        StatusPiece("online", "good") if snapshot.online else StatusPiece("offline")
    )
    queued = StatusPiece(
        f"{snapshot.queued} queued", "warning" if snapshot.queued else "plain"
    )
    refused = (
        [StatusPiece(f"{len(snapshot.refused)} update(s) REFUSED", "error")]
        if snapshot.refused
        else []
    )
    return [
        connection,
        queued,
        _sync_piece(snapshot.last_sync_at, now),
        *data_age_pieces(snapshot, now),
        *refused,
        _policy_piece(snapshot, now),
        model_piece,
    ]


SEPARATOR = " │ "


def fit_pieces(pieces: list[StatusPiece], width: int) -> list[StatusPiece]:
    """``pieces`` without the spare ones, first the first to go, until the
    line fits ``width`` columns (the job book's and the KB's ages say how
    fresh the data is when the last sync's age must go)."""
    kept = list(pieces)
    for spare in (1, 2):
        if _width(kept) <= width:
            break
        kept = [piece for piece in kept if piece.spare != spare]
    return kept


def _width(pieces: list[StatusPiece]) -> int:
    return sum(len(p.text) for p in pieces) + len(SEPARATOR) * max(len(pieces) - 1, 0)


def data_age_pieces(snapshot: StatusSnapshot, now: datetime) -> list[StatusPiece]:
    """The job book's and the KB's ages (``jobs 5h``, ``KB 3d``): plain while
    fresh, amber past the first limit or when never received, red past the
    second; short, so the line keeps to 80 columns."""
    limits = snapshot.data_age_limits
    record = freshness_record(snapshot.data, now=now, job_id=None, jobs=EMPTY)
    pieces: list[StatusPiece] = []
    for name, label in (("job_book", "jobs"), ("kb", "KB")):
        age = record[name]["age_s"]
        if age is None:
            pieces.append(StatusPiece(f"{label} ?", "warning"))
            continue
        pieces.append(
            StatusPiece(f"{label} {short_age(age)}", data_age_tone(age, limits))
        )
    return pieces


def data_age_tone(age: float, limits: tuple[float, float]) -> Tone:
    """How a known age stands out: plain, amber past the first limit, red
    past the second."""
    amber, red = limits
    if age >= red:
        return "error"
    return "warning" if age >= amber else "plain"


def short_age(seconds: float) -> str:
    """An age in a few characters: ``<1m``, ``12m``, ``5h``, ``3d``."""
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86_400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86_400)}d"


POLICY_ENDING = timedelta(days=14)
"""How close its expiry must be before the status bar shows it."""


def _sync_piece(last_sync_at: str | None, now: datetime) -> StatusPiece:
    moment = _moment(last_sync_at)
    if moment is None:
        return StatusPiece("never synced" if not last_sync_at else "synced ?")
    seconds = max((now - moment).total_seconds(), 0.0)
    text = "synced now" if seconds < 60 else f"synced {short_age(seconds)}"
    return StatusPiece(text, spare=1)


def _policy_piece(snapshot: StatusSnapshot, now: datetime) -> StatusPiece:
    if snapshot.policy_version is None:
        return StatusPiece("no policy: READ-ONLY", "error")
    if snapshot.read_only is not None:
        return StatusPiece(f"policy v{snapshot.policy_version} READ-ONLY", "error")
    if snapshot.held is not None:
        return StatusPiece(f"policy v{snapshot.policy_version} HELD", "warning")
    expires = _moment(snapshot.policy_expires)
    if expires is not None and expires - now <= POLICY_ENDING:
        return StatusPiece(
            f"policy v{snapshot.policy_version} ends {expires:%m-%d}", "warning"
        )
    return StatusPiece(f"policy v{snapshot.policy_version}")


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _model_tone(model: str) -> Tone:
    if model == MODEL_READY:
        return "good"
    return "warning" if model in (MODEL_LOADING, MODEL_NONE) else "plain"


MODEL_READY = "model ready"
MODEL_LOADING = "model loading"
MODEL_NONE = "no model"
MODEL_OFF = "model off"
