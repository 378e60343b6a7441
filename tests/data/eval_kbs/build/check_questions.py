"""Check an evaluation KB's frozen questions against its tables, without searching.

Usage: ``python tests/data/eval_kbs/build/check_questions.py NAME [KB_DB]``

Every expected code must be a code of the folder's CSVs, every absent code
must not be (spelled with any separators or case), every expected chunk must
be a row of a CSV (``<file>#<row number>``); when ``KB_DB`` (a knowledge base
the folder was ingested into) is given, every expected chunk, of a CSV or of
another file, must be stored there. Standard
library only; exits 1 and lists the faults when there are any.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2]
SEPARATORS = re.compile(r"[\s\-_./]+")


def key(code: str) -> str:
    return SEPARATORS.sub("", code).upper()


def table_rows(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Each code with its row's chunk id, and all chunk ids of the tables."""
    codes: dict[str, str] = {}
    for table in sorted(folder.glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                codes[row["code"]] = f"{table.name}#{number}"
    return codes, set(codes.values())


def stored_chunks(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT chunk_id FROM chunks")}


def faults(name: str, db: Path | None) -> list[str]:
    codes, rows = table_rows(DATA / "eval_kbs" / name)
    chunks = stored_chunks(db) if db else rows
    keys = {key(code) for code in codes}
    raw = json.loads((DATA / "questions" / f"eval_{name}.json").read_text("utf-8"))
    found = []
    for q in raw["questions"]:
        found += [
            f"{q['id']}: no chunk {c}"
            for c in q["expected_chunks"]
            if c not in chunks and (db or c.split("#")[0].endswith(".csv"))
        ]
        found += [
            f"{q['id']}: {c} not in the tables"
            for c in q["expected_codes"]
            if c not in codes
        ]
        found += [
            f"{q['id']}: {c} is in the tables"
            for c in q["absent_codes"]
            if key(c) in keys
        ]
        found += [
            f"{q['id']}: {c}'s row {codes[c]} not expected"
            for c in q["expected_codes"]
            if c in codes and codes[c] not in q["expected_chunks"]
        ]
    return found


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        sys.stderr.write(__doc__ or "")
        return 2
    found = faults(argv[0], Path(argv[1]) if len(argv) == 2 else None)
    sys.stdout.write("".join(f"{line}\n" for line in found) or "all questions fit\n")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
