"""Regenerate ``dmc-forklift/`` from the unpacked ``supersigma2-errorcodes`` 1.2 wheel.

Usage: ``python tests/data/eval_kbs/build/dmc_forklift.py UNPACKED_WHEEL_FOLDER``

The fault table is read by loading ``sigma/errors.py`` on its own (a module
of plain dictionaries that imports nothing; some sub-code keys are lambdas
standing for ranges, so it cannot be read as literals); the fault levels are
read from ``sigma/parser.py`` as the literal they are written as. Standard
library only; nothing is downloaded.
"""

from __future__ import annotations

import ast
import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ERRORS_FILE = Path("sigma") / "errors.py"
PARSER_FILE = Path("sigma") / "parser.py"
TARGET = Path(__file__).resolve().parents[1] / "dmc-forklift"
NOT_A_FAULT = ("N/A", "---")
"""Texts the source gives for unassigned codes and sub-codes."""
NO_ERROR = "No error"
"""How the source's texts for "no fault" begin (fault 0, motor sub-code 0)."""


def load_errors(wheel: Path) -> ModuleType:
    """``sigma/errors.py`` loaded as a module of its own, not as the package."""
    spec = importlib.util.spec_from_file_location("sigma_errors", wheel / ERRORS_FILE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{wheel / ERRORS_FILE}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_severity(wheel: Path) -> dict[int, dict[str, str]]:
    """The ``SEVERITY`` table of ``sigma/parser.py``, as the literal it is."""
    tree = ast.parse((wheel / PARSER_FILE).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id == "SEVERITY":
                value: dict[int, dict[str, str]] = ast.literal_eval(node.value)
                return value
    raise SystemExit(f"{wheel / PARSER_FILE}: no SEVERITY")


def is_fault(text: str) -> bool:
    return text not in NOT_A_FAULT and not text.startswith(NO_ERROR)


def fault_rows(errors: dict[int, dict[str, Any]]) -> list[list[str]]:
    """One row per fault, then one per numbered sub-code, in the source's order.

    A sub-code's description is the fault's text and the sub-code's, joined
    as the package's own ``sigma`` command prints them. Sub-codes keyed by a
    range (a lambda) are not single codes and are left out.
    """
    rows: list[list[str]] = []
    for code, entry in errors.items():
        fault = entry["description"].strip()
        if not is_fault(fault):
            continue
        rows.append([str(code), fault])
        for sub, text in (entry["subcodes"] or {}).items():
            if isinstance(sub, int) and is_fault(text.strip()):
                rows.append([f"{code}.{sub}", f"{fault}: {text.strip()}"])
    return rows


def levels_page(severity: dict[int, dict[str, str]]) -> str:
    """The four fault levels, each with its effect and how it is reset."""
    lines = ["# SuperSigma2 fault levels: effect and reset", ""]
    for level, entry in severity.items():
        lines += [
            f"## Level {level}: {entry['category']}",
            "",
            f"Effect: {entry['effect']}.",
            f"To reset: {entry['to_reset']}.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    wheel = Path(argv[0])
    TARGET.mkdir(exist_ok=True)
    with (TARGET / "fault-codes.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "description"])
        writer.writerows(fault_rows(load_errors(wheel).ERRORS))
    (TARGET / "fault-levels.md").write_text(
        levels_page(read_severity(wheel)), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
