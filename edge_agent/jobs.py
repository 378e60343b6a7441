"""The technician's assigned jobs and their assets, as last received from the centre.

Kept in ``<home>/jobs.json`` and replaced whole (temp file, fsync, rename) when
a sync brings a new list, so a crash never leaves half a list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from edge_agent.errors import JobsUnreadable
from edge_agent.files import write_json_atomic


@dataclass(frozen=True, slots=True)
class Asset:
    """A piece of equipment at a site."""

    asset_id: str
    model: str
    serial: str
    site_id: str
    location: str = ""
    hours_run: int | None = None
    status: str = "in service"
    updated_at: str = ""
    """When the depot's asset register last changed this record, if it says."""


@dataclass(frozen=True, slots=True)
class Job:
    """A job assigned to this technician."""

    job_id: str
    asset_id: str
    site_id: str
    summary: str
    status: str = "assigned"
    priority: str = "normal"
    due: str = ""
    customer_name: str = ""
    customer_phone: str = ""


@dataclass(frozen=True, slots=True)
class JobBook:
    """Jobs and assets by id."""

    jobs: Mapping[str, Job]
    assets: Mapping[str, Asset]
    received_at: str = ""

    def job(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def asset(self, asset_id: str) -> Asset | None:
        return self.assets.get(asset_id)


EMPTY = JobBook(jobs={}, assets={})


def parse_job_book(data: Mapping[str, Any]) -> JobBook:
    """Build a :class:`JobBook` from its JSON form.

    Raises:
        JobsUnreadable: a job or asset lacks a required field.
    """
    try:
        assets = [Asset(**_known(Asset, item)) for item in data.get("assets", [])]
        jobs = [Job(**_known(Job, item)) for item in data.get("jobs", [])]
    except TypeError as exc:
        raise JobsUnreadable(f"The job list has an invalid entry ({exc}).") from exc
    return JobBook(
        jobs={job.job_id: job for job in jobs},
        assets={asset.asset_id: asset for asset in assets},
        received_at=str(data.get("received_at", "")),
    )


def _known(kind: type, item: object) -> dict[str, Any]:
    """The fields of ``item`` that ``kind`` has: a depot's register may carry
    more (a manufacturer, a warranty date), which this device does not use."""
    if not isinstance(item, Mapping):
        raise TypeError(f"expected an object, got {type(item).__name__}")
    names = {f.name for f in fields(kind)}
    return {key: value for key, value in item.items() if key in names}


def job_book_to_json(book: JobBook) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "received_at": book.received_at,
        "jobs": [asdict(job) for job in book.jobs.values()],
        "assets": [asdict(asset) for asset in book.assets.values()],
    }


def read_job_book(path: Path) -> JobBook:
    """The cached job list, or an empty one before the first sync.

    Raises:
        JobsUnreadable: the file exists but is not a valid job list.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return EMPTY
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JobsUnreadable(
            f"The cached job list {path} cannot be read ({exc}); sync again to "
            "replace it."
        ) from exc
    return parse_job_book(data)


def write_job_book(path: Path, book: JobBook) -> None:
    """Replace the cached job list atomically."""
    write_json_atomic(path, job_book_to_json(book))
