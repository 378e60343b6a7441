"""Fixtures of the governance service tests: settings, databases, devices."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.server.postgres import PostgresServer, running_postgres
from tests.sync.server.support import Harness, harness

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def no_governance_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear EDGE_GOVERNANCE_* variables.

    Why: a setting exported in the shell (a database URL, a port) must not
    change what a test sees.
    """
    for name in list(os.environ):
        if name.startswith("EDGE_GOVERNANCE_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session, on loopback, in a temp folder.

    Why: storage and push tests must prove the same behaviour on PostgreSQL as
    on SQLite. The set-up installs PostgreSQL, so its absence fails the tests
    (PostgresMissing) rather than skipping them.
    """
    with running_postgres() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database.

    Why: every storage behaviour is checked on both backends.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'governance.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file, for tests that are about HTTP, not storage."""
    return f"sqlite:///{tmp_path / 'governance.db'}"


@pytest.fixture
def centre(tmp_path: Path, sqlite_url: str) -> Iterator[Harness]:
    """The real app on a fresh SQLite file, the demo policy published as v1
    (a test file that needs another centre defines its own ``centre``)."""
    with harness(tmp_path, sqlite_url) as h:
        h.publish_default_policy()
        yield h
