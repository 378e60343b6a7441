"""Regenerate ``canopen-drives/`` from the unpacked ``canopen-lens`` 0.5.1 wheel.

Usage: ``python tests/data/eval_kbs/build/canopen_drives.py UNPACKED_WHEEL_FOLDER``

The tables are read from ``canopen_lens/describe.py`` as literals (the module
itself is not imported: it needs the package's compiled core). Standard
library only; nothing is downloaded.
"""

from __future__ import annotations

import ast
import csv
import sys
from pathlib import Path

SOURCE = Path("canopen_lens") / "describe.py"
TARGET = Path(__file__).resolve().parents[1] / "canopen-drives"
TABLES = ("SDO_ABORT", "EMCY_EXACT", "EMCY_GROUP")
NO_ERROR = 0x0000


def read_tables(wheel: Path) -> dict[str, object]:
    """The three tables of ``describe.py``, as the literals they are written as."""
    tree = ast.parse((wheel / SOURCE).read_text(encoding="utf-8"))
    tables: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in TABLES:
                tables[target.id] = ast.literal_eval(node.value)
    missing = set(TABLES) - set(tables)
    if missing:
        raise SystemExit(f"{wheel / SOURCE}: no {', '.join(sorted(missing))}")
    return tables


def covers(mask: int, value: int) -> str:
    """The codes a group entry matches, e.g. ``0x21xx`` for mask ``0xFF00``."""
    digits = f"{value:04X}"
    kept = f"{mask:04X}"
    return "0x" + "".join(
        d if k == "F" else "x" for d, k in zip(digits, kept, strict=True)
    )


def sdo_rows(table: dict[int, tuple[str, str, str, str]]) -> list[list[str]]:
    return [
        [f"0x{code:08X}", en, hint_en] for code, (_, en, _, hint_en) in table.items()
    ]


def emcy_rows(
    exact: dict[int, tuple[str, str]], groups: list[tuple[int, int, str, str]]
) -> list[list[str]]:
    rows = [[f"0x{code:04X}", en, ""] for code, (_, en) in exact.items()]
    rows += [
        [f"0x{value:04X}", en, covers(mask, value)]
        for mask, value, _, en in groups
        if value != NO_ERROR
    ]
    return rows


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (TARGET / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    tables = read_tables(Path(argv[0]))
    write(
        "sdo-abort-codes.csv",
        ["code", "description", "what_to_check"],
        sdo_rows(tables["SDO_ABORT"]),  # type: ignore[arg-type]
    )
    write(
        "emcy-codes.csv",
        ["code", "description", "covers"],
        emcy_rows(tables["EMCY_EXACT"], tables["EMCY_GROUP"]),  # type: ignore[arg-type]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
