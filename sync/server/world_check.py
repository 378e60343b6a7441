"""What changed in the world while the device was away. Pure.

A device decides on the job book it last received; the centre knows the job
book it assigns now. At push, an action on a job that is no longer in the
technician's current job book, or that is there but no longer open, is held
for a supervisor with the change named: "job J-1004 is no longer assigned to
ann (job book v8 of 2026-12-05)". With no job book at the centre for the
device, there is nothing to compare and nothing is said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CLOSED_STATUSES = frozenset({"closed", "cancelled", "canceled", "done", "completed"})
"""Job statuses on which nothing more is done."""


@dataclass(frozen=True, slots=True)
class JobBookNow:
    """The job book the centre assigns the device now.

    Attributes:
        version: Its version (0: the centre never assigned one).
        assigned_at: When that version was assigned.
        jobs: Its jobs by id.
    """

    version: int = 0
    assigned_at: datetime | None = None
    jobs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def world_problems(
    args: Mapping[str, Any], technician_id: str, book: JobBookNow
) -> list[str]:
    """What no longer holds for an action with ``args``, in plain words."""
    job_id = args.get("job_id")
    if not isinstance(job_id, str) or book.version == 0:
        return []
    since = _book_words(book)
    job = book.jobs.get(job_id)
    if job is None:
        return [f"job {job_id} is no longer assigned to {technician_id} ({since})"]
    status = job.get("status")
    if isinstance(status, str) and status.lower() in CLOSED_STATUSES:
        return [f"job {job_id} is {status.lower()} at the centre ({since})"]
    return []


def _book_words(book: JobBookNow) -> str:
    when = f" of {book.assigned_at:%Y-%m-%d}" if book.assigned_at else ""
    return f"job book v{book.version}{when}"
