"""A new release through the gate: the stored report that vouches for
exactly its parts, judged against the thresholds, or a supervisor's
override with a reason. Runs in the caller's transaction.

The newest report whose candidate is exactly the release's decides (a later
run of the same candidate supersedes an earlier one). A rollback is not
gated: it publishes again content that shipped already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from sync.server.errors import PublishRefused
from sync.server.gate import SHORT, GateConfig, Parts, Verdict, differences, judge
from sync.server.storage import releases as stored
from sync.server.storage.evaluation_reports import (
    GateRecord,
    StoredReport,
    gate_records,
    reports,
)
from sync.server.storage.releases import Release
from sync.server.suites.requirement import suite_problem

SHOWN_CASES = 20
"""Failing cases a refusal names (the rest are counted)."""


@dataclass(frozen=True, slots=True)
class Override:
    """An override in force: the release published over the gate whose
    content the newest release still ships, and its record."""

    release: Release
    record: GateRecord


@dataclass(frozen=True, slots=True)
class GateOutcome:
    """What the gate says of a candidate, before anything is recorded.

    Attributes:
        report: The newest stored report for exactly the candidate, if any.
        verdict: That report's figures against the thresholds.
        problem: Why the gate refuses (empty when it passes).
        suite: Why the report's suite is not the one the gate asks for
            (empty when it is).
    """

    report: StoredReport | None
    verdict: Verdict | None
    problem: str = ""
    suite: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict is not None and self.verdict.passed and not self.suite

    @property
    def failures(self) -> tuple[str, ...]:
        """What fails: the figures and the suite, or the missing report."""
        if self.verdict is None:
            return ("no evaluation report for exactly this candidate",)
        return (*self.verdict.failures, *((self.suite,) if self.suite else ()))


def gate_outcome(connection: Connection, parts: Parts, gate: GateConfig) -> GateOutcome:
    """The gate's verdict on a candidate of ``parts`` (nothing recorded)."""
    matching = [
        r
        for r in reports(
            connection, kb_sha256=parts.kb_sha256, policy_sha256=parts.policy_sha256
        )
        if not differences(r.report, parts, gate)
    ]
    if not matching:
        return GateOutcome(None, None, _no_report(connection, parts, gate))
    report = matching[0]
    verdict = judge(report.report, gate)
    suite = suite_problem(connection, report.report, gate) or ""
    passed = verdict.passed and not suite
    problem = "" if passed else _failing(report, verdict, suite or None)
    return GateOutcome(report, verdict, problem, suite)


def pass_gate(
    connection: Connection,
    parts: Parts,
    gate: GateConfig,
    *,
    release_id: int,
    at: datetime,
    actor: str,
    override: str | None,
) -> GateRecord:
    """The gate's record for a release of ``parts``.

    Raises:
        PublishRefused: no stored report vouches for exactly these parts, or
            the one that does fails a threshold, and no override was given.
    """
    outcome = gate_outcome(connection, parts, gate)
    report_id = outcome.report.report_id if outcome.report else None
    if outcome.passed:
        return GateRecord(
            release_id, report_id, False, "", (), gate.as_dict(), at, actor
        )
    if override is None:
        raise PublishRefused(
            f"{outcome.problem} Publish a candidate that passes, or publish anyway "
            "as a supervisor with --override-gate --reason TEXT (recorded and "
            "shown with every later release and report)."
        )
    return GateRecord(
        release_id,
        report_id,
        True,
        override,
        outcome.failures,
        gate.as_dict(),
        at,
        actor,
    )


def release_parts(release: Release) -> Parts:
    """What ``release`` is made of, as the gate compares it."""
    return Parts(
        model_name=release.model_name,
        model_sha256=release.model_sha256,
        policy_sha256=release.policy_sha256,
        kb_sha256=release.kb_sha256,
        app_version=release.app_version,
    )


def override_in_force(connection: Connection) -> Override | None:
    """The override whose content the newest release ships, if any: the
    newest release's own, or, for a rollback, that of the release whose
    content it restores."""
    release = stored.newest_release(connection)
    seen: set[int] = set()
    while release is not None and release.release_id not in seen:
        seen.add(release.release_id)
        if release.restores is None:
            record = gate_records(connection, [release.release_id]).get(
                release.release_id
            )
            if record is not None and record.overridden:
                return Override(release, record)
            return None
        release = stored.find_release(connection, str(release.restores))
    return None


def _failing(report: StoredReport, verdict: Verdict, suite: str | None) -> str:
    cases = verdict.failing_cases
    shown = "; ".join(cases[:SHOWN_CASES])
    more = f"; and {len(cases) - SHOWN_CASES} more" if len(cases) > SHOWN_CASES else ""
    named = f" Failing cases ({len(cases)}): {shown}{more}." if cases else ""
    source = (
        f"report {report.report_id} (from {report.device_id}, technician "
        f"{report.technician_id})"
    )
    if suite and verdict.passed:
        return (
            f"The gate refuses this candidate: {source}: {suite}. Evaluate it on "
            "that suite at the depot (edge-agent eval --suite centre --upload)."
        )
    also = f" And {suite}." if suite else ""
    return (
        f"The gate refuses this candidate: {source} fails "
        f"{'; '.join(verdict.failures)}.{named}{also}"
    )


def _no_report(connection: Connection, parts: Parts, gate: GateConfig) -> str:
    wanted = (
        f"model {parts.model_name} (sha256 {parts.model_sha256[:SHORT]}), policy "
        f"content {parts.policy_sha256[:SHORT]}, KB content "
        f"{parts.kb_sha256[:SHORT]}, app {parts.app_version}"
    )
    newest = reports(connection, limit=1)
    if not newest:
        return (
            f"The gate refuses this candidate ({wanted}): no evaluation report has "
            "been uploaded. Evaluate it at the depot (edge-agent eval --upload)."
        )
    closest = newest[0]
    differs = "; ".join(differences(closest.report, parts, gate))
    return (
        f"The gate refuses this candidate ({wanted}): no uploaded evaluation "
        f"report is for exactly it. The newest, report {closest.report_id} from "
        f"{closest.device_id}, differs: {differs}. Evaluate this candidate at "
        "the depot (edge-agent eval --kb ... --policy ... --upload)."
    )
