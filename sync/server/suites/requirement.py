"""Which published suite the gate asks a report to have run, and whether it
did (in the caller's transaction).

``gate.toml`` says it: ``require_suite`` (default true) and
``suite_version`` (default 0: the newest published suite). With no suite
published yet, or ``require_suite = false``, any suite will do. A report
names the suite it ran by its content's SHA-256
(:func:`sync.content_hashes.suite_content_sha256`), which the centre matches
against the suites it published.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from sync.evaluation_protocol import EvaluationReport
from sync.server.gate import SHORT, GateConfig
from sync.server.storage.suites import PublishedSuite, find_suite, suites_with_sha256


def required_suite(connection: Connection, gate: GateConfig) -> PublishedSuite | None:
    """The suite reports must have run (``None``: any will do)."""
    if not gate.require_suite:
        return None
    return find_suite(connection, gate.suite_version or None)


def suite_problem(
    connection: Connection, report: EvaluationReport, gate: GateConfig
) -> str | None:
    """Why the report's suite is not the one the gate asks for (``None``:
    it is, or the gate asks for none)."""
    if not gate.require_suite:
        return None
    wanted = required_suite(connection, gate)
    if wanted is None:
        if gate.suite_version:
            return (
                f"the gate asks for suite v{gate.suite_version}, which the centre "
                "has not published"
            )
        return None
    if report.suite.sha256 == wanted.sha256:
        return None
    return f"{_made_on(connection, report)}; the gate asks for v{wanted.version}"


def _made_on(connection: Connection, report: EvaluationReport) -> str:
    ran = suites_with_sha256(connection, report.suite.sha256)
    if ran:
        return f"report made on suite v{ran[0].version}"
    return (
        f"report made on a suite the centre has not published ({report.suite.name} "
        f"suite_version {report.suite.version}, sha256 {report.suite.sha256[:SHORT]})"
    )
