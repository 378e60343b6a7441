"""What changed in the world while the device was away. Pure.

A device decides on the job book it last received; the centre knows the job
book it assigns now. At push, an action on a job that is no longer in the
technician's current job book, or that is there but no longer open, or on an
asset whose record there says it is retired, is held for a supervisor with
the change named and dated against the action: "job J-1004 is closed at the
centre (job book v8 of 2026-12-05, 2 days after this action was proposed)".
With no job book at the centre for the device, there is nothing to compare
and nothing is said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from policies import describe_age

CLOSED_STATUSES = frozenset({"closed", "cancelled", "canceled", "done", "completed"})
"""Job statuses on which nothing more is done."""

RETIRED_STATUSES = frozenset(
    {"retired", "replaced", "decommissioned", "scrapped", "disposed", "removed"}
)
"""Asset statuses of equipment that is no longer there to work on."""


@dataclass(frozen=True, slots=True)
class JobBookNow:
    """The job book the centre assigns the device now.

    Attributes:
        version: Its version (0: the centre never assigned one).
        assigned_at: When that version was assigned.
        jobs: Its jobs by id.
        assets: Its asset records by id.
    """

    version: int = 0
    assigned_at: datetime | None = None
    jobs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    assets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def world_problems(
    args: Mapping[str, Any],
    technician_id: str,
    book: JobBookNow,
    proposed_at: datetime | None = None,
) -> list[str]:
    """What no longer holds for an action with ``args``, proposed at
    ``proposed_at`` (when known), in plain words."""
    if book.version == 0:
        return []
    since = _book_words(book, proposed_at)
    job_id = args.get("job_id")
    job = book.jobs.get(job_id) if isinstance(job_id, str) else None
    problems = []
    if isinstance(job_id, str) and job is None:
        problems.append(
            f"job {job_id} is no longer assigned to {technician_id} ({since})"
        )
    status = job.get("status") if job else None
    if isinstance(status, str) and status.lower() in CLOSED_STATUSES:
        problems.append(f"job {job_id} is {status.lower()} at the centre ({since})")
    asset_id = args.get("asset_id") or (job.get("asset_id") if job else None)
    asset = book.assets.get(asset_id) if isinstance(asset_id, str) else None
    state = asset.get("status") if asset else None
    if isinstance(state, str) and state.lower() in RETIRED_STATUSES:
        problems.append(f"asset {asset_id} is {state.lower()} at the centre ({since})")
    return problems


def _book_words(book: JobBookNow, proposed_at: datetime | None) -> str:
    words = f"job book v{book.version}"
    if book.assigned_at is None:
        return words
    words += f" of {book.assigned_at:%Y-%m-%d}"
    if proposed_at is None or proposed_at.tzinfo is None:
        return words
    gap = (book.assigned_at - proposed_at).total_seconds()
    if abs(gap) < 60:
        return f"{words}, the minute this action was proposed"
    side = "after" if gap > 0 else "before"
    return f"{words}, {describe_age(abs(gap))} {side} this action was proposed"
