"""The centre as a real process for the suite: started from a fork server,
killed with SIGKILL, restarted on the same database; and what it stored."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tests.benchmarks.bench_sync import free_port
from tests.faults.forks import Child, Forks

HEALTH_TIMEOUT_S = 60.0


class Centre:
    """``edge-governance serve`` on one database, in a forked child."""

    def __init__(self, forks: Forks, url: str, data_dir: Path, name: str) -> None:
        self.forks, self.url, self.data_dir, self.name = forks, url, data_dir, name
        self.port = free_port()
        self.child: Child | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Start it and wait until it answers; its base URL."""
        self.starts += 1
        self.child = self.forks.fork(
            f"{self.name}-{self.starts}",
            "tests.faults.children:centre",
            url=self.url,
            data_dir=str(self.data_dir),
            port=self.port,
        )
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/v1/health", timeout=2).status_code == 200:
                    return self.base
            except httpx.HTTPError:
                time.sleep(0.02)
        raise RuntimeError(f"the centre did not answer: {self.forks.errors()}")

    def kill(self) -> int:
        """SIGKILL it; its exit code."""
        assert self.child is not None
        os.kill(self.child.pid, signal.SIGKILL)
        return self.forks.reap(self.child)

    def stop(self) -> None:
        if self.child is not None:
            os.kill(self.child.pid, signal.SIGTERM)
            self.forks.reap(self.child)
            self.child = None


def postgres_available() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    from tests.sync.server.postgres import PostgresMissing, server_binaries

    try:
        server_binaries()
    except PostgresMissing as exc:
        return str(exc)
    return None


@contextmanager
def databases(
    stack: ExitStack, work: Path, with_postgres: bool
) -> Iterator[dict[str, Any]]:
    """A factory of fresh database URLs per backend (SQLite, PostgreSQL when
    installed and asked for)."""
    from tests.sync.server.postgres import running_postgres

    server = None
    if with_postgres and postgres_available() is None:
        server = stack.enter_context(running_postgres())
    counter = iter(range(10**6))

    def new(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{work / f'centre-{next(counter)}.db'}"
        assert server is not None
        return stack.enter_context(server.database())

    yield {"new": new, "backends": ["sqlite"] + (["postgresql"] if server else [])}


def stored_actions(url: str, device: str) -> dict[str, list[str]]:
    """Every action row the centre holds for ``device``: statuses by key."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT key, status FROM actions WHERE device_id = "
                + ("?" if url.startswith("sqlite") else "%s"),
                (device,),
            ).fetchall()
    finally:
        engine.dispose()
    found: dict[str, list[str]] = {}
    for key, status in rows:
        found.setdefault(key, []).append(status)
    return found


def sqlite_integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of a SQLite file ("ok" when sound)."""
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)[:300]


def outbox_states(path: Path) -> dict[str, str]:
    """Each action's state in the device's outbox, by key (pruned ones too)."""
    with closing(sqlite3.connect(path)) as connection:
        kept = dict(connection.execute("SELECT key, state FROM actions").fetchall())
        pruned = connection.execute("SELECT key FROM pruned_actions").fetchall()
    return {**{key: "pruned" for (key,) in pruned}, **kept}
