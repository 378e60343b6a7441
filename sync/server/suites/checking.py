"""What the centre checks of a suite folder before publishing it.

The centre does not run suites (that is the device's code), so it checks
what it can by itself: ``suite.json`` parses and is a suite (a whole
``suite_version``, a non-empty list of cases, each with an ``id`` and a
known ``kind``), every file a case or the suite names (a photo case's
``image``, an injection case's ``photo``, the ``jobs`` list) is in the
folder, the job list parses, and the sizes are within limits. The device
checks every field when it loads the suite to run it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sync.content_hashes import suite_content_sha256
from sync.protocol import MAX_SUITE_BYTES
from sync.server.errors import SuiteRefused
from sync.server.gate import KINDS

SUITE_FILE = "suite.json"
MAX_SUITE_JSON_BYTES = 4 * 1024 * 1024
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_CASES = 10_000
"""As many cases as an evaluation report may list."""
_NAMED = {"photo": "image", "injection": "photo"}
"""The field of each case kind that names a file of the folder."""


@dataclass(frozen=True, slots=True)
class CheckedSuite:
    """A suite folder that passed the centre's checks.

    Attributes:
        name: Its ``name`` (default: the folder's name).
        suite_version: The ``suite_version`` it states.
        suite_json: The bytes of ``suite.json``.
        files: Every file it names, by path relative to the folder.
        cases: How many cases of each kind.
        left_out: Files of the folder it does not name (not published).
    """

    name: str
    suite_version: int
    suite_json: bytes
    files: Mapping[str, bytes]
    cases: Mapping[str, int]
    left_out: tuple[str, ...]

    @property
    def sha256(self) -> str:
        """Of its content, as devices and reports name it."""
        return suite_content_sha256(self.suite_json, self.files)

    @property
    def archived(self) -> dict[str, bytes]:
        """What its archive holds: ``suite.json`` and the files it names."""
        return {SUITE_FILE: self.suite_json, **self.files}


def check_suite(path: Path) -> CheckedSuite:
    """Check the suite at ``path`` (its folder, or its ``suite.json``).

    Raises:
        SuiteRefused: what is wrong, naming the file and the case.
    """
    folder = path.parent if path.name == SUITE_FILE and path.is_file() else path
    if not folder.is_dir():
        raise SuiteRefused(f"{path} is not a folder: give the suite's folder.")
    file = folder / SUITE_FILE
    top = _top(file, _read(file, MAX_SUITE_JSON_BYTES))
    version = top.get("suite_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _refused(file, '"suite_version" must be a whole number, at least 1.')
    cases = top.get("cases")
    if not isinstance(cases, list) or not cases:
        raise _refused(file, '"cases" must be a non-empty list of cases.')
    if len(cases) > MAX_CASES:
        raise _refused(file, f"holds {len(cases)} cases; at most {MAX_CASES}.")
    named: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    for index, case in enumerate(cases):
        kind, name = _case(file, case, index)
        kinds[kind] += 1
        if name is not None:
            named.setdefault(name, f"case {_label(case, index)}")
    jobs = top.get("jobs")
    if jobs is not None:
        named.setdefault(_relative(file, jobs, '"jobs"'), 'the suite\'s "jobs"')
    files = _files(folder, named)
    if jobs is not None:
        _json(folder / str(jobs), files[_relative(file, jobs, '"jobs"')])
    name = top.get("name")
    return CheckedSuite(
        name=name if isinstance(name, str) and name.strip() else folder.name,
        suite_version=version,
        suite_json=file.read_bytes(),
        files=files,
        cases={kind: kinds[kind] for kind in KINDS if kinds[kind]},
        left_out=_left_out(folder, set(files)),
    )


def _top(file: Path, data: bytes) -> Mapping[str, Any]:
    top = _json(file, data)
    if not isinstance(top, dict):
        raise _refused(file, "must hold a JSON object (the suite).")
    return top


def _case(file: Path, case: object, index: int) -> tuple[str, str | None]:
    """A case's kind and the file it names (``None``: none)."""
    label = _label(case, index)
    if not isinstance(case, dict):
        raise _refused(file, f"case {label} must be a JSON object.")
    if not isinstance(case.get("id"), str) or not case["id"].strip():
        raise _refused(file, f'case {label} has no "id".')
    kind = case.get("kind")
    if kind not in KINDS:
        raise _refused(
            file,
            f'case {label}: "kind" must be one of {", ".join(KINDS)} (got {kind!r}).',
        )
    field = _NAMED.get(str(kind))
    if field is None or case.get(field) is None:
        if kind == "photo":
            raise _refused(file, f'case {label}: "image" is missing.')
        return str(kind), None
    return str(kind), _relative(file, case[field], f'case {label}: "{field}"')


def _files(folder: Path, named: Mapping[str, str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, who in named.items():
        path = folder.joinpath(*PurePosixPath(name).parts)
        if not path.is_file():
            raise SuiteRefused(
                f"{who} names {name}, which is not in {folder}. Add the file or "
                "correct the name. Nothing was published."
            )
        files[name] = _read(path, MAX_FILE_BYTES)
    total = sum(len(content) for content in files.values())
    if total > MAX_SUITE_BYTES:
        raise SuiteRefused(
            f"The files of the suite in {folder} hold {total} bytes; at most "
            f"{MAX_SUITE_BYTES}. Nothing was published."
        )
    return files


def _read(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise _refused(path, f"holds {size} bytes; at most {limit}.")
        return path.read_bytes()
    except FileNotFoundError:
        raise _refused(
            path, "does not exist: give the folder holding the suite's suite.json."
        ) from None
    except OSError as exc:
        raise _refused(path, f"cannot be read ({exc.strerror or exc}).") from exc


def _json(file: Path, data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _refused(file, f"is not UTF-8 text ({exc.reason}).") from exc
    except json.JSONDecodeError as exc:
        raise _refused(
            file,
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
        ) from exc


def _relative(file: Path, value: object, where: str) -> str:
    path = PurePosixPath(value) if isinstance(value, str) else None
    if (
        path is None
        or not str(value).strip()
        or path.is_absolute()
        or ".." in path.parts
        or "\\" in str(value)
    ):
        raise _refused(
            file,
            f"{where} must be a path relative to the suite folder, inside it, "
            f"with / between folders (got {value!r}).",
        )
    return path.as_posix()


def _left_out(folder: Path, named: set[str]) -> tuple[str, ...]:
    found = (
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
    )
    return tuple(sorted(n for n in found if n not in named and n != SUITE_FILE))


def _label(case: object, index: int) -> str:
    found = case.get("id") if isinstance(case, dict) else None
    return found if isinstance(found, str) and found.strip() else f"#{index + 1}"


def _refused(file: Path, problem: str) -> SuiteRefused:
    return SuiteRefused(f"{file} {problem} Nothing was published.")
