"""What every benchmark script shares: machine facts, verdicts, output."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def machine_facts(**extra: Any) -> dict[str, Any]:
    """Cores, Python, SQLite, platform and load, plus ``extra`` facts."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(usable) or os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        **extra,
    }


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES TARGET"


def log(message: str) -> None:
    """Progress and tables go to stderr, so ``--json`` output stays clean."""
    print(message, file=sys.stderr, flush=True)


def emit(
    figures: dict[str, Any], render: Callable[[dict[str, Any]], str], as_json: bool
) -> None:
    """Print the figures: JSON on stdout (table on stderr), or the table."""
    if as_json:
        log(render(figures))
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print(render(figures))


@contextmanager
def working_dir(path: Path | None, prefix: str) -> Iterator[Path]:
    """``path`` (created) to keep the benchmark's files, else a temp folder."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as temporary:
        yield Path(temporary)
