"""Serial numbers a question names, looked up in the technician's job list.

The knowledge base's code tables list faults and parts; the equipment in the
field is in the job list the centre sends down. A serial number in a question
is looked up there, exactly and before any search: the answer says which
asset it is, where it stands and its jobs, and the asset's model steers the
search as a chosen job's does. A serial number the list lacks is said to be
missing from it, never matched to a look-alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent.jobs import Asset, JobBook
from knowledge_cache import CodeKind, CodeReading, code_key


@dataclass(frozen=True, slots=True)
class SerialLookup:
    """What the job list says of a question's serial numbers."""

    notices: tuple[str, ...] = ()
    model: str = ""
    """The model of the one asset found, to steer the search ("" otherwise)."""


def look_up_serials(readings: Sequence[CodeReading], jobs: JobBook) -> SerialLookup:
    """The assets of the serial numbers among ``readings``, as notices."""
    serials = list(
        dict.fromkeys(
            r.code.value for r in readings if r.code.kind is CodeKind.SERIAL_NUMBER
        )
    )
    notices: list[str] = []
    models: list[str] = []
    for serial in serials:
        asset = asset_with_serial(jobs, serial)
        if asset is None:
            notices.append(f"{serial} is not among the assets of your job list.")
            continue
        notices.append(describe_asset(serial, asset, jobs))
        models.append(asset.model)
    found = set(models)
    return SerialLookup(tuple(notices), models[0] if len(found) == 1 else "")


def asset_with_serial(jobs: JobBook, serial: str) -> Asset | None:
    """The asset whose serial number is ``serial`` in any spelling."""
    key = code_key(serial)
    return next((a for a in jobs.assets.values() if code_key(a.serial) == key), None)


def describe_asset(serial: str, asset: Asset, jobs: JobBook) -> str:
    """One line: the asset, where it stands, its hours and its jobs."""
    where = ", ".join(part for part in (asset.site_id, asset.location) if part)
    facts = [f"{asset.model} at {where}"]
    if asset.hours_run is not None:
        facts.append(f"{asset.hours_run} h run")
    facts.append(asset.status)
    line = f"{serial} is asset {asset.asset_id} in your job list: {'; '.join(facts)}."
    for job in jobs.jobs.values():
        if job.asset_id == asset.asset_id:
            due = f", due {job.due}" if job.due else ""
            line += f" Job {job.job_id} ({job.status}{due}): {job.summary}"
    return line
