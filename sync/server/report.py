"""The reconciliation report: per technician and shift, what happened offline.

A shift is one technician's actions recorded on one UTC calendar day (by the
device's clock). For each shift: how many actions were taken offline, when,
and how long they waited for sync; what the centre made of them (applied,
quarantined, rejected, held); where the centre's re-validation reached another
outcome than the device's decision (a newer policy version alone is no
difference); what the device's policy denied there, by tool and reason
(from the devices' journals: those never became actions); supervisors'
approvals and rejections; and the policy, KB and model versions the device
worked with.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from policies import format_time
from sync.server.storage import Storage, figures


@dataclass(frozen=True, slots=True)
class Difference:
    """An action whose centre decision differs from the device's."""

    device_id: str
    key: str
    seq: int
    tool: str
    device: str
    centre: str
    status: str


@dataclass(slots=True)
class ShiftReport:
    """One technician's shift."""

    technician_id: str
    shift: str
    devices: set[str] = field(default_factory=set)
    actions: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    first_recorded: str = ""
    last_recorded: str = ""
    longest_wait_hours: float = 0.0
    differences: list[Difference] = field(default_factory=list)
    reviews: list[Mapping[str, Any]] = field(default_factory=list)
    denials: Counter[tuple[str, str]] = field(default_factory=Counter)
    device_policy_versions: set[int] = field(default_factory=set)
    centre_policy_versions: set[int] = field(default_factory=set)
    kb_versions: set[str] = field(default_factory=set)
    model_ids: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "shift": self.shift,
            "devices": sorted(self.devices),
            "actions_offline": self.actions,
            "statuses": dict(sorted(self.statuses.items())),
            "first_recorded": self.first_recorded,
            "last_recorded": self.last_recorded,
            "longest_wait_hours": round(self.longest_wait_hours, 2),
            "revalidation_differences": [vars_of(d) for d in self.differences],
            "reviews": [dict(r) for r in self.reviews],
            "denied_on_device": [
                {"tool": tool, "reason": reason, "count": count}
                for (tool, reason), count in sorted(self.denials.items())
            ],
            "device_policy_versions": sorted(self.device_policy_versions),
            "centre_policy_versions": sorted(self.centre_policy_versions),
            "kb_versions": sorted(self.kb_versions),
            "model_ids": sorted(self.model_ids),
        }


def vars_of(difference: Difference) -> dict[str, Any]:
    return {name: getattr(difference, name) for name in Difference.__slots__}


@dataclass(frozen=True, slots=True)
class TechnicianPage:
    """Which technicians one page of the report shows.

    Attributes:
        technicians: Their ids, in name order.
        total: How many technicians the period's report has in all.
        next_after: The last one shown, when more follow.
    """

    technicians: tuple[str, ...]
    total: int
    next_after: str | None


def technician_page(
    storage: Storage,
    *,
    technician_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str = "",
    limit: int,
) -> TechnicianPage:
    """Up to ``limit`` technicians of the period's report, in name order,
    after ``after``: those with an action received or a denial on a device
    in the period (chosen before any figure is built)."""
    with storage.read() as connection:
        names, total = figures.report_technicians(
            connection,
            technician_id=technician_id,
            since=since,
            until=until,
            after=after,
            limit=limit + 1,
        )
    shown = tuple(names[:limit])
    return TechnicianPage(shown, total, shown[-1] if len(names) > limit else None)


def build_report(
    storage: Storage,
    *,
    technician_id: str | None = None,
    technician_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ShiftReport]:
    """The shifts of every technician (or one, or those named), for actions
    received since ``since`` and before ``until``; oldest shift first per
    technician."""
    with storage.read() as connection:
        rows = list(
            figures.action_rows(
                connection,
                technician_id=technician_id,
                technician_ids=technician_ids,
                since=since,
                until=until,
            )
        )
        reviews = figures.supervisor_decisions(connection, since=since, until=until)
        denials = figures.device_denials(
            connection,
            technician_id=technician_id,
            technician_ids=technician_ids,
            since=since,
            until=until,
        )
    return shifts(rows, reviews, denials)


def shifts(
    rows: Iterable[Mapping[str, Any]],
    reviews: Iterable[Mapping[str, Any]],
    denials: Iterable[Mapping[str, Any]] = (),
) -> list[ShiftReport]:
    """Group action rows into shifts; attach the supervisors' verdicts and the
    devices' denials."""
    found: dict[tuple[str, str], ShiftReport] = {}
    where: dict[tuple[str, str], tuple[str, str]] = {}
    for row in rows:
        shift = str(row["created_at"])[:10]
        report = found.setdefault(
            (row["technician_id"], shift), ShiftReport(row["technician_id"], shift)
        )
        _add(report, row)
        where[(row["device_id"], row["key"])] = (row["technician_id"], shift)
    for review in reviews:
        place = where.get((review["device_id"], review["key"]))
        if place is not None:
            found[place].reviews.append(
                {
                    "key": review["key"],
                    "status": review["status"],
                    "by": str(review["actor"]).removeprefix("supervisor:"),
                    "at": format_time(review["at"]),
                }
            )
    for denial in denials:
        shift = str(denial["created_at"])[:10]
        technician = denial["technician_id"]
        report = found.setdefault((technician, shift), ShiftReport(technician, shift))
        report.devices.add(denial["device_id"])
        reasons = json.loads(denial["reasons"]) or ["no reason recorded"]
        report.denials[(denial["tool"], str(reasons[0]))] += 1
    return [found[k] for k in sorted(found)]


def _add(report: ShiftReport, row: Mapping[str, Any]) -> None:
    report.devices.add(row["device_id"])
    report.actions += 1
    report.statuses[row["status"]] += 1
    created = str(row["created_at"])
    report.first_recorded = min(report.first_recorded or created, created)
    report.last_recorded = max(report.last_recorded, created)
    waited = _hours_between(created, row["received_at"])
    report.longest_wait_hours = max(report.longest_wait_hours, waited)
    report.device_policy_versions.add(int(row["device_bundle_version"]))
    if row["centre_bundle_version"] is not None:
        report.centre_policy_versions.add(int(row["centre_bundle_version"]))
    if row["kb_version"]:
        report.kb_versions.add(row["kb_version"])
    if row["model_id"]:
        report.model_ids.add(row["model_id"])
    centre = row["centre_outcome"]
    device = row["device_outcome"]
    # A newer policy version reaching the same outcome is no difference.
    if centre is not None and centre != device:
        report.differences.append(
            Difference(
                row["device_id"],
                row["key"],
                row["seq"],
                row["tool"],
                f"{device} (v{row['device_bundle_version']})",
                f"{centre} (v{row['centre_bundle_version']})",
                row["status"],
            )
        )


def _hours_between(created: str, received: datetime) -> float:
    try:
        start = datetime.fromisoformat(created)
    except ValueError:
        return 0.0
    if start.tzinfo is None:
        return 0.0
    return max((received - start).total_seconds() / 3600, 0.0)


def render(reports: list[ShiftReport]) -> str:
    """The report as plain text, one block per shift."""
    if not reports:
        return "No actions were pushed in this period."
    blocks = []
    for r in reports:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(r.statuses.items()))
        lines = [
            f"{r.technician_id}, shift {r.shift} (devices: {_list(r.devices)})",
            f"  actions taken offline: {r.actions} ({statuses})",
            f"  recorded {r.first_recorded} .. {r.last_recorded}; longest wait for "
            f"sync {r.longest_wait_hours:.1f} h",
            f"  policy versions: device {_list(r.device_policy_versions)}, centre "
            f"{_list(r.centre_policy_versions)}; KB {_list(r.kb_versions)}; "
            f"models {_list(r.model_ids)}",
        ]
        if r.differences:
            lines.append(f"  re-validation differences: {len(r.differences)}")
            lines += [
                f"    #{d.seq} {d.tool}: device {d.device}, centre {d.centre} -> "
                f"{d.status}"
                for d in r.differences
            ]
        if r.denials:
            lines.append(f"  denied on the device: {sum(r.denials.values())}")
            lines += [
                f"    {tool}: {reason} (x{count})"
                for (tool, reason), count in sorted(r.denials.items())
            ]
        if r.reviews:
            lines.append(f"  supervisor reviews: {len(r.reviews)}")
            lines += [
                f"    {v['key']}: {v['status']} by {v['by']} at {v['at']}"
                for v in r.reviews
            ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _list(values: Iterable[object]) -> str:
    items = sorted(str(v) for v in values)
    return ", ".join(items) if items else "-"
