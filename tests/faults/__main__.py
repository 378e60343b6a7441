"""The fault, load and attack suite: one command runs its groups.

    python -m tests.faults --tier ci|full [--out report.json]
                           [--only crash,network,input,load,damage]
                           [--no-postgres] [--workdir DIR]

Each group prints its figures and invariant checks; the JSON report is the list
of the groups' records. Exit 0 when every check held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.faults.report import GroupReport, render

GROUPS = {
    "crash": "tests.faults.crash",
    "network": "tests.faults.network",
    "input": "tests.faults.inputs",
    "load": "tests.faults.load",
    "damage": "tests.faults.damage",
}


def run_group(name: str, tier: str, work: Path, postgres: bool) -> GroupReport:
    """Run one group in its own folder; a group that cannot run says why."""
    folder = work / name
    folder.mkdir(parents=True)
    started = time.perf_counter()
    try:
        module = importlib.import_module(GROUPS[name])
    except ModuleNotFoundError as exc:
        return GroupReport(name, tier, skipped=f"not in this suite yet ({exc.name})")
    report: GroupReport = module.run(tier, folder, postgres=postgres)
    report.seconds = time.perf_counter() - started
    return report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=("ci", "full"), default="ci")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--only", help="comma list of groups (default: all)")
    parser.add_argument(
        "--no-postgres",
        action="store_true",
        help="SQLite only, even when PostgreSQL is installed",
    )
    parser.add_argument("--workdir", type=Path, help="keep the files here")
    args = parser.parse_args(argv)
    args.groups = args.only.split(",") if args.only else list(GROUPS)
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s) {sorted(unknown)}; groups: {', '.join(GROUPS)}")
    return args


def main(argv: Sequence[str] | None = None) -> list[GroupReport]:
    """Run the chosen groups; print and write their report; return it."""
    args = parse_args(argv)
    reports = []
    with tempfile.TemporaryDirectory(prefix="faults-") as temporary:
        work = args.workdir or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        # What the programs log (every refused request, ...) goes to a file.
        logging.basicConfig(filename=work / "suite.log", level=logging.INFO)
        for name in args.groups:
            print(f"[{name}] running ({args.tier}) ...", file=sys.stderr, flush=True)
            report = run_group(name, args.tier, work, not args.no_postgres)
            print(render(report), flush=True)
            reports.append(report)
    if args.out:
        document = {
            "tier": args.tier,
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "groups": [r.as_dict() for r in reports],
        }
        args.out.write_text(json.dumps(document, indent=2) + "\n")
    return reports


if __name__ == "__main__":
    sys.exit(0 if all(r.ok for r in main()) else 1)
