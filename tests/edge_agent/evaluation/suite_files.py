"""Writing small suites for tests, and picking cases of the demo suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edge_agent.evaluation import Suite


def write_suite(folder: Path, cases: list[dict[str, Any]], **top: Any) -> Path:
    """A suite folder holding ``suite.json`` with ``cases``; returns the file."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {"suite_version": 1, "name": "test", **top, "cases": cases}
    path = folder / "suite.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def demo_cases(suite: Suite, *ids: str) -> list[Any]:
    """The demo suite's cases with these ids, in that order."""
    by_id = {case.id: case for case in suite.cases}
    return [by_id[case_id] for case_id in ids]
