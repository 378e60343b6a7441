"""How releases and evaluation reports read in the console: the history's
rows, the create form's fields, a report's figures, checks and failing
cases, and the pages of long lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from sync.evaluation_protocol import EvaluationReport
from sync.server.console.guard import Form
from sync.server.console.paths import PREFIX
from sync.server.errors import RequestInvalid
from sync.server.releases import ModelFile, ReleaseHistory
from sync.server.releases.parts import app_version, default_model_file
from sync.server.storage.evaluation_reports import GateRecord
from sync.server.storage.releases import Release
from sync.server.time_words import duration as duration
from sync.server.time_words import moment as moment

SHORT_HASH = 12
"""Hex digits of a hash the tables show (a release's page shows them all)."""
RELEASES_PER_PAGE = 50
DEVICES_PER_PAGE = 100
REPORTS_PER_PAGE = 20
FAILURES_PER_PAGE = 100
MAX_REASON = 2000

T = TypeVar("T")


def release_link(name: str) -> str:
    """The URL of one release's page."""
    return f"{PREFIX}/releases/{quote(name, safe='')}"


def report_link(report_id: int) -> str:
    """The URL of one evaluation report's page."""
    return f"{PREFIX}/evaluations/{report_id}"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items and the numbers around it."""

    items: Sequence[T]
    number: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page ``number`` (from 1; past the end: the last) of ``items``."""
    pages = max(1, -(-len(items) // size))
    number = min(number, pages)
    start = (number - 1) * size
    return Page(items[start : start + size], number, pages, len(items))


def page_number(text: str, name: str = "page") -> int:
    """A page number from the query string (empty: 1).

    Raises:
        RequestInvalid: not a whole number of 1 or more.
    """
    if not text.strip():
        return 1
    if not text.strip().isdigit() or not 0 < int(text) < 10**9:
        raise RequestInvalid(
            f"'{name}' must be a page number such as 2, not {text[:40]!r}. "
            "Correct the address and load it again."
        )
    return int(text)


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One release of the history as the table shows it."""

    release: Release
    devices: int
    gate: str
    overridden: bool

    @property
    def link(self) -> str:
        return release_link(self.release.name)

    @property
    def model_short(self) -> str:
        return self.release.model_sha256[:SHORT_HASH]


def release_rows(history: ReleaseHistory) -> list[ReleaseRow]:
    """The history's releases, newest first, each with how it passed the gate."""
    return [
        ReleaseRow(
            count.release,
            count.devices,
            gate_text(count.release, history.gates.get(count.release.release_id)),
            _overridden(history.gates.get(count.release.release_id)),
        )
        for count in history.releases
    ]


def gate_text(release: Release, record: GateRecord | None) -> str:
    """How a release passed the gate, in a few words."""
    if record is None:
        if release.restores is not None:
            return "not gated (a rollback)"
        return "none recorded (made before the gate)"
    if record.overridden:
        return f"overridden by {record.actor}"
    return f"passed with report {record.report_id}"


def _overridden(record: GateRecord | None) -> bool:
    return record is not None and record.overridden


@dataclass(frozen=True, slots=True)
class CreateForm:
    """The fields of the form that makes a release (empty: the default)."""

    name: str = ""
    model_name: str = ""
    model_sha256: str = ""
    app_version: str = ""
    override: bool = False
    override_reason: str = ""

    @classmethod
    def from_form(cls, form: Form) -> CreateForm:
        return cls(
            name=form.get("name")[:200],
            model_name=form.get("model_name")[:200],
            model_sha256=form.get("model_sha256")[:200],
            app_version=form.get("app_version")[:64],
            override=form.get("override") == "yes",
            override_reason=form.get("override_reason")[:MAX_REASON],
        )

    def model(self) -> ModelFile:
        """The model file named, or the default model installed here.

        Raises:
            PublishRefused: a bad hash, a name without a hash, or no default
                model here.
        """
        if not self.model_name and not self.model_sha256:
            return ModelFile.of(default_model_file())
        return ModelFile.named(self.model_name, self.model_sha256)

    def app(self) -> str:
        """The app version named, or the one installed here.

        Raises:
            RequestInvalid: neither is known.
        """
        app = self.app_version or app_version()
        if not app:
            raise RequestInvalid(
                "The app's version is unknown here: give it in the form."
            )
        return app

    def override_text(self) -> str | None:
        """The override's reason, if the gate is overridden.

        Raises:
            RequestInvalid: an override without a reason.
        """
        if not self.override:
            return None
        if not self.override_reason:
            raise RequestInvalid(
                "Overriding the gate needs a reason: it is kept with the release "
                "and shown with every later release and report. Write one and "
                "send again."
            )
        return self.override_reason


@dataclass(frozen=True, slots=True)
class FigureTable:
    """The figures a report gives for one kind of case."""

    kind: str
    rows: tuple[tuple[str, str], ...]
    cases: int
    failed: int


def figure_tables(report: EvaluationReport) -> list[FigureTable]:
    """Each kind's figures and case counts, in the order the report has them."""
    kinds = list(dict.fromkeys([*report.figures, *(c.kind for c in report.cases)]))
    return [
        FigureTable(
            kind,
            tuple(
                (name, figure_text(value))
                for name, value in report.figures.get(kind, {}).items()
            ),
            sum(1 for c in report.cases if c.kind == kind),
            sum(1 for c in report.cases if c.kind == kind and not c.passed),
        )
        for kind in kinds
    ]


def figure_text(value: Any) -> str:
    """A figure as the page shows it (shares to three places)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else f"{value:.3f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {figure_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(figure_text(v) for v in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class FailingCase:
    """A case the report marks failed."""

    kind: str
    id: str
    problems: tuple[str, ...]
    new: bool


def failing_cases(report: EvaluationReport, kind: str = "") -> list[FailingCase]:
    """The report's failed cases (of one kind if given), in its order; each
    says whether it passed in the baseline (``new``)."""
    listed = (report.comparison or {}).get("new_failures")
    new = {
        (str(c.get("kind")), str(c.get("id")))
        for c in (listed if isinstance(listed, list) else ())
        if isinstance(c, Mapping)
    }
    return [
        FailingCase(c.kind, c.id, tuple(c.problems), (c.kind, c.id) in new)
        for c in report.cases
        if not c.passed and (not kind or c.kind == kind)
    ]
