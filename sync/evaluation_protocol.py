"""The wire models of evaluation: the report a device uploads and the suite
it downloads.

- ``POST /v1/evaluation-reports``: an evaluation report (``report.json`` of
  ``edge-agent eval``, its exact bytes, read as :class:`EvaluationReport`)
  -> :class:`ReportReceipt`.
- ``POST /v1/evaluation-suite``: :class:`SuiteRequest` -> :class:`SuiteDownload`.

Their limits and the shared field types are those of :mod:`sync.protocol`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sync.protocol import MAX_INT, Plain, WireModel, WireTime


class ReportModelPart(BaseModel):
    """The model an evaluation ran: its file and SHA-256 (``none`` without)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    file: Plain | None = Field(default=None, max_length=200)
    sha256: str = Field(pattern=r"^([0-9a-f]{64}|none)$")


class ReportPolicyPart(BaseModel):
    """The policy bundle an evaluation ran."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = Field(ge=0, le=MAX_INT)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """Of the bundle file's bytes."""
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """:func:`~sync.content_hashes.policy_content_sha256`, as a release names
    its policy."""


class ReportKbPart(BaseModel):
    """The knowledge base an evaluation ran."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = Field(ge=0, le=MAX_INT)
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """:func:`~sync.content_hashes.kb_content_sha256`, as a release names its
    KB."""


class ReportCandidate(BaseModel):
    """What an evaluation report is bound to."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    app_version: Plain = Field(max_length=64)
    model: ReportModelPart
    policy: ReportPolicyPart
    kb: ReportKbPart


class ReportSuite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: Plain = Field(max_length=200)
    version: int = Field(ge=0, le=MAX_INT)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """:func:`~sync.content_hashes.suite_content_sha256`, as the centre names a
    published suite."""
    centre_version: int | None = Field(default=None, ge=1, le=MAX_INT)
    """The centre's version of the suite, when it was fetched from there."""
    kinds_run: list[Annotated[str, Field(max_length=40)]] = Field(max_length=20)


class ReportCase(BaseModel):
    """One case of a report, as far as the centre reads it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Plain = Field(max_length=200)
    kind: Plain = Field(max_length=40)
    passed: bool
    problems: list[Annotated[str, Field(max_length=4000)]] = Field(
        default_factory=list, max_length=100
    )


class EvaluationReport(BaseModel):
    """An ``edge-agent eval`` report as the centre reads it (its other
    fields are kept with it, unread): the candidate, the suite, the figures
    per kind, every case, and the comparison with a baseline if made.
    ``edge_agent.evaluation.report`` writes it; a test keeps the two alike."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    report_format: Literal[1]
    created_at: WireTime
    candidate: ReportCandidate
    suite: ReportSuite
    figures: dict[Annotated[str, Field(max_length=40)], dict[str, Any]]
    cases: list[ReportCase] = Field(max_length=10_000)
    comparison: dict[str, Any] | None = None

    def figure(self, kind: str, name: str) -> float | None:
        """A figure of a kind, if the report has it as a number."""
        value = self.figures.get(kind, {}).get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    def baseline_figure(self, kind: str, name: str) -> float | None:
        """The baseline's value of a figure, when the report compares."""
        rows = (self.comparison or {}).get("figures")
        for row in rows if isinstance(rows, list) else ():
            if (
                isinstance(row, dict)
                and row.get("kind") == kind
                and row.get("figure") == name
            ):
                value = row.get("baseline")
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
        return None


class ReportReceipt(WireModel):
    """The centre's receipt for an uploaded report."""

    report_id: int
    sha256: str
    """Of the bytes uploaded (``sha256sum report.json``)."""
    new: bool
    """False when the centre held these very bytes already."""


class SuiteRequest(WireModel):
    """Which published evaluation suite a device asks for."""

    version: int | None = Field(default=None, ge=1, le=MAX_INT)
    """A version the centre published; ``None``: the newest."""


class SuiteDownload(WireModel):
    """A published evaluation suite: a gzipped tar of ``suite.json`` and the
    files it names, with what the centre knows of it."""

    version: int = Field(ge=1, le=MAX_INT)
    """The centre's version (1, 2, ...; never reused)."""
    name: str = Field(max_length=200)
    suite_version: int = Field(ge=0, le=MAX_INT)
    """The ``suite_version`` its ``suite.json`` states."""
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """:func:`~sync.content_hashes.suite_content_sha256` of its files."""
    archive_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """Of the archive's bytes (``archive`` once decoded)."""
    published_at: WireTime
    note: str = Field(default="", max_length=2000)
    archive: str
    """The archive, base64."""
