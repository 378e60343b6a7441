"""Fixtures of the console tests: the real app on a SQLite file, with a
supervisor and an auditor account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from sync.server.app import create_app, services_of
from sync.server.connectors import RecordingConnector
from sync.server.people import Accounts
from sync.server.publishing import Publisher
from sync.server.storage import Storage
from tests.sync.server.console.support import PASSWORD
from tests.sync.server.support import Clock, Harness, settings_for
from tests.sync.server.testclient import TestClient


@pytest.fixture
def hasher() -> PasswordHasher:
    """argon2 at its lowest cost.

    Why: the default parameters take a quarter of a second a hash on a busy
    machine; the tests check who gets in, not how slow guessing is.
    """
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def centre(
    tmp_path: Path, sqlite_url: str, hasher: PasswordHasher
) -> Iterator[Harness]:
    """The service with the demo policy, supervisor ``sam`` and auditor ``ada``.

    Why: every console test signs in through the real pages against the real
    services and storage, as a browser at the depot would.
    """
    clock, connector = Clock(), RecordingConnector()
    storage = Storage.open(sqlite_url)
    app = create_app(
        settings_for(tmp_path, sqlite_url),
        storage=storage,
        connector=connector,
        clock=clock,
        password_hasher=hasher,
    )
    services = services_of(app)
    accounts = Accounts(storage, clock=clock, hasher=hasher)
    accounts.add("sam", "supervisor", PASSWORD, actor="test")
    accounts.add("ada", "auditor", PASSWORD, actor="test")
    try:
        with TestClient(app) as http:
            centre = Harness(
                http,
                services,
                clock,
                connector,
                Publisher(storage, services.keys, clock=clock),
            )
            centre.publish_default_policy()
            yield centre
    finally:
        storage.close()
