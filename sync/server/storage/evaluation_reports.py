"""SQL for evaluation reports and for how each release passed the gate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.evaluation_protocol import EvaluationReport
from sync.server.storage.schema import evaluation_reports, release_gates
from sync.server.storage.store import dump_json, insert_ignoring, load_json


@dataclass(frozen=True, slots=True)
class StoredReport:
    """An uploaded evaluation report and who sent it.

    Attributes:
        report_id: Its number at the centre (1, 2, ...).
        sha256: Of the bytes uploaded.
        device_id: The device that uploaded it (its signature proved it).
        technician_id: The technician that device is enrolled for.
        uploaded_at: When the centre stored it.
        report: The report, as the centre reads it.
    """

    report_id: int
    sha256: str
    device_id: str
    technician_id: str
    uploaded_at: datetime
    report: EvaluationReport


@dataclass(frozen=True, slots=True)
class GateRecord:
    """How a release passed the gate.

    Attributes:
        release_id: The release.
        report_id: The report that let it through (``None``: none did).
        overridden: A supervisor published it without a passing report.
        reason: Why, for an override.
        failures: What failed, for an override (figures, or the report
            that was missing).
        gate: The thresholds in force then.
        at: When.
        actor: Who made the release.
    """

    release_id: int
    report_id: int | None
    overridden: bool
    reason: str
    failures: tuple[str, ...]
    gate: Mapping[str, Any]
    at: datetime
    actor: str


def add_report(
    connection: Connection,
    *,
    sha256: str,
    document: str,
    report: EvaluationReport,
    device_id: str,
    technician_id: str,
    at: datetime,
) -> tuple[int, bool]:
    """Store a report once per SHA-256; its number, and whether it is new."""
    candidate = report.candidate
    row = {
        "sha256": sha256,
        "device_id": device_id,
        "technician_id": technician_id,
        "uploaded_at": at,
        "created_at": report.created_at,
        "model_sha256": candidate.model.sha256,
        "policy_sha256": candidate.policy.content_sha256,
        "kb_sha256": candidate.kb.content_sha256,
        "app_version": candidate.app_version,
        "suite_name": report.suite.name,
        "suite_version": report.suite.version,
        "document": document,
    }
    new = insert_ignoring(connection, evaluation_reports, [row], ["sha256"]) == 1
    report_id = connection.scalar(
        sa.select(evaluation_reports.c.report_id).where(
            evaluation_reports.c.sha256 == sha256
        )
    )
    return int(report_id or 0), new


def reports(
    connection: Connection,
    *,
    kb_sha256: str | None = None,
    policy_sha256: str | None = None,
    limit: int | None = None,
    before: int | None = None,
) -> list[StoredReport]:
    """Reports, newest first; those of a KB and policy content if given,
    numbered below ``before`` if given (the next page)."""
    query = sa.select(evaluation_reports).order_by(
        evaluation_reports.c.report_id.desc()
    )
    if kb_sha256 is not None:
        query = query.where(evaluation_reports.c.kb_sha256 == kb_sha256)
    if policy_sha256 is not None:
        query = query.where(evaluation_reports.c.policy_sha256 == policy_sha256)
    if before is not None:
        query = query.where(evaluation_reports.c.report_id < before)
    if limit is not None:
        query = query.limit(limit)
    return [_report(row) for row in connection.execute(query)]


def report_by_id(connection: Connection, report_id: int) -> StoredReport | None:
    """The report of this number, if stored."""
    query = sa.select(evaluation_reports).where(
        evaluation_reports.c.report_id == report_id
    )
    row = connection.execute(query).first()
    return None if row is None else _report(row)


def add_gate_record(connection: Connection, record: GateRecord) -> None:
    """Record how a release passed the gate, in the caller's transaction."""
    connection.execute(
        release_gates.insert().values(
            release_id=record.release_id,
            report_id=record.report_id,
            overridden=record.overridden,
            reason=record.reason,
            failures=dump_json(list(record.failures)),
            gate=dump_json(dict(record.gate)),
            at=record.at,
            actor=record.actor,
        )
    )


def gate_records(
    connection: Connection, release_ids: Sequence[int] | None = None
) -> dict[int, GateRecord]:
    """Gate records by release (of these releases, or all)."""
    query = sa.select(release_gates)
    if release_ids is not None:
        query = query.where(release_gates.c.release_id.in_(list(release_ids)))
    return {row.release_id: _gate(row) for row in connection.execute(query)}


def _report(row: sa.Row[Any]) -> StoredReport:
    return StoredReport(
        report_id=row.report_id,
        sha256=row.sha256,
        device_id=row.device_id,
        technician_id=row.technician_id,
        uploaded_at=row.uploaded_at,
        report=EvaluationReport.model_validate_json(row.document),
    )


def _gate(row: sa.Row[Any]) -> GateRecord:
    return GateRecord(
        release_id=row.release_id,
        report_id=row.report_id,
        overridden=bool(row.overridden),
        reason=row.reason,
        failures=tuple(load_json(row.failures) or ()),
        gate=load_json(row.gate) or {},
        at=row.at,
        actor=row.actor,
    )
