"""Rebuild ``fronius-inverter/`` from the unpacked ``iobroker.fronius`` 2.2.0 tarball.

Usage: ``python tests/data/eval_kbs/build/fronius_inverter.py UNPACKED_PACKAGE_FOLDER``

(the folder that holds the tarball's ``lib/``, usually ``package/``)

The error codes are read from ``lib/devStrings.js``: its functions
``getStringErrorCode100`` to ``getStringErrorCode700`` are each one
``switch`` whose ``case`` labels (several may share one ``return``) give a
code and whose ``return`` gives its text. The file is read as text, not run.
Standard library only; nothing is downloaded.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

STRINGS_FILE = Path("lib") / "devStrings.js"
TARGET = Path(__file__).resolve().parents[1] / "fronius-inverter"
FUNCTION = re.compile(r"^function (\w+)\(", re.MULTILINE)
ERROR_FUNCTION = re.compile(r"getStringErrorCode\d+")
CASE = re.compile(r"^\s*case (\d+):\s*$")
RETURN = re.compile(r"""^\s*return (['"])(.*)\1;\s*$""")
DEFAULT = re.compile(r"^\s*default:\s*$")


def function_bodies(source: str) -> dict[str, str]:
    """Each top-level function's text, up to the next function."""
    starts = list(FUNCTION.finditer(source))
    ends = [match.start() for match in starts[1:]] + [len(source)]
    return {
        match.group(1): source[match.end() : end]
        for match, end in zip(starts, ends, strict=True)
    }


def switch_rows(body: str, where: str) -> list[list[str]]:
    """``[code, text]`` for each ``case`` label of one switch, in its order.

    Labels that fall through to one ``return`` each get that return's text;
    the ``default`` branch (an empty text) is not a code.
    """
    rows: list[list[str]] = []
    pending: list[str] = []
    for line in body.splitlines():
        if case := CASE.match(line):
            pending.append(case.group(1))
        elif DEFAULT.match(line):
            if pending:
                raise SystemExit(f"{where}: case {pending} falls into default")
        elif returned := RETURN.match(line):
            text = returned.group(2).strip()
            rows += [[code, text] for code in pending if text]
            pending = []
    if pending:
        raise SystemExit(f"{where}: case {pending} has no return")
    return rows


def error_rows(source: str, where: str) -> list[list[str]]:
    """All error codes of the source, each once, in the source's order."""
    rows: list[list[str]] = []
    for name, body in function_bodies(source).items():
        if ERROR_FUNCTION.fullmatch(name):
            rows += switch_rows(body, f"{where}: {name}")
    codes = [row[0] for row in rows]
    if len(set(codes)) != len(codes):
        raise SystemExit(f"{where}: a code appears twice")
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    path = Path(argv[0]) / STRINGS_FILE
    rows = error_rows(path.read_text(encoding="utf-8"), str(path))
    TARGET.mkdir(exist_ok=True)
    with (TARGET / "error-codes.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "description"])
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
