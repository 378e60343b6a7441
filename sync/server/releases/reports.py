"""Evaluation reports at the centre: stored as devices upload them, listed
for supervisors with their verdict against the gate.

A report arrives in a request signed by an enrolled device, so the centre
knows which device (and the technician it is enrolled for) produced it; the
exact bytes are kept with their SHA-256, once (the same bytes again get the
same number).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sync.evaluation_protocol import EvaluationReport, ReportReceipt
from sync.server.errors import RecordNotFound
from sync.server.gate import GateConfig, Verdict, differences, judge
from sync.server.records import Clock, DeviceRecord
from sync.server.releases.gating import Override, override_in_force, release_parts
from sync.server.storage import Storage
from sync.server.storage import releases as stored
from sync.server.storage.audit import record_event
from sync.server.storage.evaluation_reports import (
    StoredReport,
    add_report,
    report_by_id,
    reports,
)
from sync.server.storage.releases import Release


@dataclass(frozen=True, slots=True)
class ListedReport:
    """A stored report, judged against the gate now.

    Attributes:
        stored: The report and its uploader.
        verdict: Its figures against the thresholds.
        releases: The names of the releases made of exactly its candidate.
    """

    stored: StoredReport
    verdict: Verdict
    releases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportListing:
    """Reports, newest first, and the override in force if there is one."""

    reports: tuple[ListedReport, ...]
    override: Override | None


class EvaluationReports:
    """Reports uploaded by devices.

    Args:
        storage: The service's storage.
        clock: The service's clock.
    """

    def __init__(self, storage: Storage, *, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    def upload(
        self, device: DeviceRecord, body: bytes, report: EvaluationReport
    ) -> ReportReceipt:
        """Keep ``body`` (read as ``report``) from ``device``, once."""
        sha256 = hashlib.sha256(body).hexdigest()
        now = self._clock()
        with self._storage.write() as connection:
            report_id, new = add_report(
                connection,
                sha256=sha256,
                document=body.decode("utf-8"),
                report=report,
                device_id=device.device_id,
                technician_id=device.technician_id,
                at=now,
            )
            if new:
                candidate = report.candidate
                record_event(
                    connection,
                    at=now,
                    actor=f"device:{device.device_id}",
                    event="evaluation_report_uploaded",
                    detail={
                        "report_id": report_id,
                        "sha256": sha256,
                        "technician_id": device.technician_id,
                        "model_sha256": candidate.model.sha256,
                        "policy_sha256": candidate.policy.content_sha256,
                        "kb_sha256": candidate.kb.content_sha256,
                        "app_version": candidate.app_version,
                    },
                )
        return ReportReceipt(report_id=report_id, sha256=sha256, new=new)


def report_listing(
    storage: Storage, gate: GateConfig, *, limit: int = 20, before: int | None = None
) -> ReportListing:
    """The newest ``limit`` reports (numbered below ``before`` if given)
    judged against ``gate``, with the releases each vouches for, and the
    override in force."""
    with storage.read() as connection:
        found = reports(connection, limit=limit, before=before)
        history = stored.all_releases(connection)
        override = override_in_force(connection)
    return ReportListing(
        tuple(_listed(item, history, gate) for item in found), override
    )


def report_detail(storage: Storage, gate: GateConfig, report_id: int) -> ListedReport:
    """One report judged against ``gate``, with the releases it vouches for.

    Raises:
        RecordNotFound: no report of that number.
    """
    with storage.read() as connection:
        found = report_by_id(connection, report_id)
        history = stored.all_releases(connection)
    if found is None:
        raise RecordNotFound(
            f"No evaluation report is numbered {report_id}.",
            record_id=str(report_id),
        )
    return _listed(found, history, gate)


def _listed(
    item: StoredReport, history: list[Release], gate: GateConfig
) -> ListedReport:
    names = tuple(
        release.name
        for release in history
        if release.restores is None
        and not differences(item.report, release_parts(release), gate)
    )
    return ListedReport(item, judge(item.report, gate), names)
