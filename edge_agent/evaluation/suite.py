"""An evaluation suite: versioned data, read and checked before anything runs.

A suite is a folder holding ``suite.json`` and the files it names (photos,
a job list), all by paths relative to the folder. ``suite.json``::

    {
      "suite_version": 3,              # a whole number; raise it on any change
      "name": "Demo fleet",
      "jobs": "jobs.json",             # optional: the job list the cases use
      "cases": [{"id": "...", "kind": "question", ...}, ...]
    }

Case kinds and their fields (``id`` and ``kind`` on every case; ``note`` is
free text, kept in the report):

- ``question``: ``question``; ``expected_chunks`` and ``expected_codes``
  (scored hit@1 and hit@5), ``expected_facts`` (each must be shown),
  ``must_abstain`` (the answer says nothing answers it or that the code is
  not in the knowledge base), ``must_not_say``; ``job`` (the job in hand).
- ``photo``: ``image`` and ``codes`` (each ``{"kind", "value"}``) printed on it.
- ``policy``: ``tool``, ``args``, ``role``, ``context`` (``site``, ``asset``,
  ``job``, ``model_proposed``, ``model_confidence``, ``grounded``) and
  ``expected``: ``allow``, ``confirm``, ``approve`` or ``deny``.
- ``injection``: a ``document`` (``{"name", "text"}``, added to a copy of the
  candidate's knowledge base) or a ``photo``, with the ``instructions`` it
  carries; ``question``, ``request`` and ``job`` as a technician would give
  them; ``markers`` (strings only the injection holds) and
  ``must_not_reveal`` (device data the injection asks for). See
  :mod:`edge_agent.evaluation.injection_cases` for what counts as an escape.

Any problem (a misspelt field, a missing photo, two cases with one id) is a
:class:`~edge_agent.errors.SuiteInvalid` naming the file and the case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from edge_agent.errors import JobsUnreadable, SuiteInvalid
from edge_agent.evaluation.case_readers import read_case
from edge_agent.evaluation.cases import Case, InjectionCase, PhotoCase
from edge_agent.evaluation.suite_fields import Fields
from edge_agent.jobs import parse_job_book
from sync import suite_content_sha256

SUITE_FILE = "suite.json"


@dataclass(frozen=True, slots=True)
class Suite:
    """A loaded, checked suite."""

    file: Path
    name: str
    version: int
    sha256: str
    """Of ``suite.json`` and every file it names, so a changed photo counts."""
    cases: tuple[Case, ...]
    jobs: Path | None = None
    description: str = ""
    files: tuple[Path, ...] = field(default=())

    @property
    def folder(self) -> Path:
        return self.file.parent

    def of_kind(self, kind: str) -> list[Case]:
        return [case for case in self.cases if case.kind == kind]


def demo_suite_path() -> Path:
    """The suite shipped for the demo fleet (package data)."""
    return Path(str(resources.files("edge_agent.evaluation") / "demo_suite"))


def suite_file(path: Path) -> Path:
    """``path`` itself, or its ``suite.json`` when it is a folder."""
    return path / SUITE_FILE if path.is_dir() else path


def load_suite(path: Path) -> Suite:
    """Read and check the suite at ``path`` (a folder or its ``suite.json``).

    Raises:
        SuiteInvalid: the suite cannot be used; the message names the file
            and the case.
    """
    file = suite_file(path)
    top = Fields(_read_json(file), file=file)
    version = top.whole("suite_version", low=1)
    name = top.text("name") or file.parent.name
    description = top.text("description") or ""
    jobs_name = top.relative_path("jobs")
    raw_cases = top.raw("cases")
    top.done()
    if not isinstance(raw_cases, list) or not raw_cases:
        raise top.error('"cases" must be a non-empty list of cases.')
    jobs = _jobs_file(file, jobs_name) if jobs_name else None
    cases = tuple(read_case(file, raw, i) for i, raw in enumerate(raw_cases))
    _check_ids(file, cases)
    files = tuple(sorted({*_case_files(cases), *([jobs] if jobs else [])}))
    return Suite(
        file=file,
        name=name,
        version=version,
        sha256=_suite_hash(file, files),
        cases=cases,
        jobs=jobs,
        description=description,
        files=files,
    )


def _read_json(file: Path) -> object:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteInvalid(
            "no such file; give --suite a suite folder or its suite.json.", file=file
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteInvalid(f"cannot be read ({exc}).", file=file) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteInvalid(
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            file=file,
        ) from exc


def _jobs_file(file: Path, name: str) -> Path:
    jobs = file.parent / name
    try:
        parse_job_book(json.loads(jobs.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise SuiteInvalid(
            f'the job list "{name}" does not exist.', file=file
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise SuiteInvalid(f"is not a job list ({exc}).", file=jobs) from exc
    except JobsUnreadable as exc:
        raise SuiteInvalid(exc.message, file=jobs) from exc
    return jobs


def _check_ids(file: Path, cases: tuple[Case, ...]) -> None:
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise SuiteInvalid("two cases have this id.", file=file, case_id=case.id)
        seen.add(case.id)


def _case_files(cases: tuple[Case, ...]) -> list[Path]:
    files = []
    for case in cases:
        if isinstance(case, PhotoCase):
            files.append(case.image)
        elif isinstance(case, InjectionCase) and case.photo is not None:
            files.append(case.photo)
    return files


def _suite_hash(file: Path, files: tuple[Path, ...]) -> str:
    named = {
        path.relative_to(file.parent).as_posix(): path.read_bytes() for path in files
    }
    return suite_content_sha256(file.read_bytes(), named)
