"""How old the data a decision rests on is, as the policy sees it.

A device judges each action on its own view of the world: the job book (with
the records of the assets its jobs are on) and the knowledge-base snapshot it
last received, as of its last sync. A :class:`Freshness` carries the age of
each of those inputs (seconds, by name: ``sync``, ``job_book``, ``kb``,
``asset``), their versions, whether the action's job was in the job book (and
its status there) and the status of the asset's record. An age not recorded
is unknown, and a rule on ages counts an unknown age as too old; a rule on the
asset record's age holds only for an action that names an asset.

The device keeps the record in the action's evidence under
:data:`EVIDENCE_KEY`; the centre reads it back with
:func:`freshness_in_evidence`, adding the time between the action's creation
and its push to each age.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

SYNC = "sync"
JOB_BOOK = "job_book"
KB = "kb"
ASSET = "asset"

FRESHNESS_INPUTS = (SYNC, JOB_BOOK, KB, ASSET)
"""The inputs whose age a rule may limit (``when.older_than``)."""

INPUT_NAMES = {SYNC: "last sync", JOB_BOOK: "job book", KB: "KB", ASSET: "asset record"}
"""Each input as the technician reads it."""

EVIDENCE_KEY = "freshness"
"""Where an action's evidence records the age of its data."""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*")
MAX_AGE = 3650 * 86_400.0
"""The longest limit a rule may give (ten years)."""


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Freshness:
    """The age of what a request rests on.

    Attributes:
        ages: Seconds since each input (see :data:`FRESHNESS_INPUTS`) was
            received; an input missing here is of unknown age.
        versions: The version of each input that has one (``job_book``,
            ``kb``, and ``asset``: the job book the asset's record came in).
        job_in_book: Whether the action's job was in the job book; ``None``
            when the action names no job or it was not recorded.
        job_status: The job's status in the job book, when it was there.
        asset_status: The status of the action's asset in the job book
            (``"in service"``), when it was there.
    """

    ages: Mapping[str, float] = field(default_factory=_empty)
    versions: Mapping[str, int] = field(default_factory=_empty)
    job_in_book: bool | None = None
    job_status: str | None = None
    asset_status: str | None = None

    def age(self, name: str) -> float | None:
        """The age of input ``name`` in seconds, or ``None`` if unknown."""
        return self.ages.get(name)

    def older(self, elapsed: float) -> Freshness:
        """The same record ``elapsed`` seconds later (every known age grows)."""
        grown = {name: age + max(elapsed, 0.0) for name, age in self.ages.items()}
        return Freshness(
            MappingProxyType(grown),
            self.versions,
            self.job_in_book,
            self.job_status,
            self.asset_status,
        )


UNKNOWN = Freshness()
"""Nothing recorded: every age unknown."""


def fresh(*, job_in_book: bool | None = None) -> Freshness:
    """Data just received: every age zero (for a request judged as if the
    device had just synced, such as an evaluation case that names no ages)."""
    ages = MappingProxyType({name: 0.0 for name in FRESHNESS_INPUTS})
    return Freshness(ages, job_in_book=job_in_book)


def parse_age(text: object) -> float:
    """Seconds in an age such as ``"48h"``, ``"30d"``, ``"90m"``, ``"2w"``.

    Raises:
        ValueError: not a positive number with one of the units s, m, h, d, w,
            or longer than ten years.
    """
    if not isinstance(text, str):
        raise ValueError(
            f'expected an age with a unit such as "48h" or "30d", got {text!r}'
        )
    found = _AGE.fullmatch(text)
    if found is None:
        raise ValueError(
            f"{text!r} is not an age; write a number and a unit: s, m, h, d or w "
            '(for example "48h" or "30d")'
        )
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if not 0 < seconds <= MAX_AGE:
        raise ValueError(f"{text!r} must be more than 0 and at most 3650d")
    return seconds


def describe_age(seconds: float | None) -> str:
    """An age in plain words: ``"3 days"``, ``"5 hours"``, ``"under a minute"``."""
    if seconds is None or not math.isfinite(seconds):
        return "an unknown time"
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        count = int(seconds // size)
        if count >= 1:
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "under a minute"


def describe_input(name: str, freshness: Freshness) -> str:
    """One input in plain words: ``"job book v7 from 3 days ago"``,
    ``"KB: never received"``, ``"last sync 5 hours ago"``, ``"asset record
    (in service, job book v7) from 3 days ago"``."""
    label = INPUT_NAMES.get(name, name)
    age = freshness.age(name)
    version = freshness.versions.get(name)
    named = f"{label} v{version}" if version else label
    if name == ASSET:
        details = [freshness.asset_status or ""]
        details.append(f"job book v{version}" if version else "")
        shown = ", ".join(d for d in details if d)
        named = f"{label} ({shown})" if shown else label
    if age is None:
        return f"{named}: age unknown (never received)"
    when = "just now" if age < 60 else f"{describe_age(age)} ago"
    if name == SYNC:
        return f"{label} {when}"
    return f"{named} from {when}"


def freshness_in_evidence(
    evidence: Mapping[str, object], *, elapsed: float = 0.0
) -> Freshness:
    """The record an action's evidence keeps, ``elapsed`` seconds later; what
    cannot be read is left unknown."""
    recorded = evidence.get(EVIDENCE_KEY)
    if not isinstance(recorded, Mapping):
        return UNKNOWN
    ages: dict[str, float] = {}
    versions: dict[str, int] = {}
    for name in FRESHNESS_INPUTS:
        entry = recorded.get(name)
        if not isinstance(entry, Mapping):
            continue
        age = entry.get("age_s")
        if _is_number(age) and 0 <= float(age) < math.inf:  # type: ignore[arg-type]
            ages[name] = float(age)  # type: ignore[arg-type]
        version = entry.get("version")
        if isinstance(version, int) and not isinstance(version, bool):
            versions[name] = version
    job = recorded.get("job")
    job = job if isinstance(job, Mapping) else {}
    in_book = job.get("in_book")
    status = job.get("status")
    asset = recorded.get(ASSET)
    asset_status = asset.get("status") if isinstance(asset, Mapping) else None
    return Freshness(
        MappingProxyType(ages),
        MappingProxyType(versions),
        in_book if isinstance(in_book, bool) else None,
        status if isinstance(status, str) else None,
        asset_status if isinstance(asset_status, str) else None,
    ).older(elapsed)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
