"""The storage layer on SQLite and PostgreSQL: migrations, and concurrent
service processes (two engines on one database) applying each thing once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from policies.defaults import SOURCE_DIR
from sync.enrolment_binding import enrol_request
from sync.protocol import PushRequest
from sync.server.centre_keys import CentreKeys
from sync.server.centre_policy import PolicyCache
from sync.server.enrolment import Enrolment
from sync.server.errors import EnrolmentRefused, RequestInvalid, ServerError
from sync.server.publishing import Publisher
from sync.server.push import Reconciler
from sync.server.storage import SCHEMA_VERSION, Storage
from sync.server.storage.migrations import MIGRATIONS
from sync.server.storage.schema import (
    actions,
    audit_log,
    decisions,
    deliveries,
    metadata,
    schema_migrations,
)
from tests.sync.server.postgres import PostgresServer
from tests.sync.server.support import REPAIR, START, Clock, Recorder


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at once; results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def count(storage: Storage, table: sa.Table) -> int:
    with storage.read() as connection:
        return int(
            connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        )


def test_migrations_create_every_table_and_reapply_as_a_no_op(
    database_url: str,
) -> None:
    first = Storage.open(database_url, migrate=False)
    try:
        assert first.migrate() == len(MIGRATIONS)
        assert MIGRATIONS[-1][0] == SCHEMA_VERSION
        assert first.migrate() == 0
        assert first.schema_version() == SCHEMA_VERSION
        names = set(sa.inspect(first.engine).get_table_names())
        assert set(metadata.tables) <= names
    finally:
        first.close()


def test_two_processes_migrating_at_once_both_succeed(database_url: str) -> None:
    engines = [Storage.open(database_url, migrate=False) for _ in range(2)]
    try:
        results = together(*(storage.migrate for storage in engines))
        assert sorted(results) == [0, len(MIGRATIONS)]
    finally:
        for storage in engines:
            storage.close()


def test_a_version_one_database_gains_token_binding_and_refuses_its_old_tokens(
    database_url: str, tmp_path: Path
) -> None:
    clock = Clock()
    keys = CentreKeys(tmp_path / "keys", clock=clock)
    storage = Storage.open(database_url)
    token = (
        Enrolment(storage, keys, clock=clock)
        .issue(expires_in=timedelta(hours=1), actor="test")
        .token
    )
    with storage.write() as connection:  # as a version 1 centre left it
        connection.execute(sa.text("ALTER TABLE enrol_tokens DROP COLUMN binding_key"))
        connection.execute(
            schema_migrations.delete().where(schema_migrations.c.version == 2)
        )
    storage.close()

    upgraded = Storage.open(database_url, migrate=False)
    try:
        assert upgraded.migrate() == 1
        assert upgraded.schema_version() == SCHEMA_VERSION
        columns = sa.inspect(upgraded.engine).get_columns("enrol_tokens")
        assert "binding_key" in {column["name"] for column in columns}
        with pytest.raises(EnrolmentRefused, match="older version of the centre"):
            Enrolment(upgraded, keys, clock=clock).enrol(
                enrol_request(
                    token, device_name="laptop", technician_id="ann", device_id=None
                )
            )
    finally:
        upgraded.close()


@pytest.fixture
def two_processes(database_url: str, tmp_path: Path):
    """Two storages (separate engines and pools) on one database, migrated,
    with the default policy published and one enrolled device; both share
    the centre's keys folder."""
    clock = Clock()
    one, two = Storage.open(database_url), Storage.open(database_url)
    keys = CentreKeys(tmp_path / "keys", clock=clock)
    Publisher(one, keys, clock=clock).publish_policy_dir(
        SOURCE_DIR, expires_in=timedelta(days=30), actor="test"
    )
    enrolment = Enrolment(one, keys, clock=clock)
    token = enrolment.issue(expires_in=timedelta(hours=1), actor="test").token
    enrolment.enrol(
        enrol_request(
            token, device_name="laptop", technician_id="ann", device_id="dev-1234"
        )
    )
    yield one, two, clock, keys
    one.close()
    two.close()


def test_concurrent_pushes_of_one_batch_apply_it_once(two_processes) -> None:
    one, two, clock, _ = two_processes
    recorder = Recorder("dev-1234", "ann", clock)
    for _ in range(20):
        recorder.record("record_repair", REPAIR)
    batch = recorder.batch()
    pushers = [
        Reconciler(storage, clock=clock, policies=PolicyCache())
        for storage in (one, two)
    ]

    first, second = together(*(lambda r=r: r.push("dev-1234", batch) for r in pushers))

    assert first == second
    assert {r.status for r in first.results} == {"applied"}
    assert count(one, actions) == 20
    assert count(one, decisions) == 20
    assert count(one, deliveries) == 20


def test_overlapping_batches_from_two_processes_keep_sequence_order(
    two_processes,
) -> None:
    one, two, clock, _ = two_processes
    recorder = Recorder("dev-1234", "ann", clock)
    for _ in range(30):
        recorder.record("record_repair", REPAIR)
    batch = recorder.batch()
    early = PushRequest(actions=batch.actions[:20])
    late = PushRequest(actions=batch.actions[10:])
    pushers = [
        Reconciler(storage, clock=clock, policies=PolicyCache())
        for storage in (one, two)
    ]

    together(
        lambda: pushers[0].push("dev-1234", early),
        lambda: pushers[1].push("dev-1234", late),
    )

    with one.read() as connection:
        rows = connection.execute(
            sa.select(actions.c.seq, actions.c.status, actions.c.result_id).order_by(
                actions.c.seq
            )
        ).all()
    assert [row.status for row in rows] == ["applied"] * 30
    assert sorted(row.result_id for row in rows) == list(range(1, 31))


def test_a_token_raced_by_two_devices_enrols_one(two_processes) -> None:
    one, two, clock, keys = two_processes
    token = (
        Enrolment(one, keys, clock=clock)
        .issue(expires_in=timedelta(hours=1), actor="t")
        .token
    )
    requests = [
        enrol_request(token, device_name="x", technician_id="ann", device_id=d)
        for d in ("dev-race-1", "dev-race-2")
    ]

    results = together(
        *(
            lambda s=s, r=r: Enrolment(s, keys, clock=clock).enrol(r)
            for s, r in zip((one, two), requests, strict=True)
        )
    )

    failures = [r for r in results if isinstance(r, ServerError)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], EnrolmentRefused) or failures[0].code == "conflict"


def test_a_nonce_raced_by_two_processes_is_accepted_once(two_processes) -> None:
    from sync.server.storage import devices as storage_devices

    one, two, clock, _ = two_processes

    def remember(storage: Storage) -> bool:
        with storage.write() as connection:
            return storage_devices.remember_nonce(
                connection, "dev-1234", "nonce-raced", at=clock()
            )

    results = together(lambda: remember(one), lambda: remember(two))

    assert sorted(results) == [False, True]


def test_sqlite_database_folder_is_created_on_open(tmp_path: Path) -> None:
    storage = Storage.open(f"sqlite:///{tmp_path / 'new' / 'deep' / 'gov.db'}")
    try:
        assert storage.schema_version() == SCHEMA_VERSION
    finally:
        storage.close()


def test_a_value_postgresql_cannot_store_is_refused_and_nothing_is_written(
    postgres: PostgresServer,
) -> None:
    # The API checks bodies against the columns first; this is the net below it.
    with postgres.database() as url:
        storage = Storage.open(url)
        try:
            with pytest.raises(RequestInvalid), storage.write() as connection:
                connection.execute(
                    audit_log.insert().values(
                        at=START, actor="test", event="fine", detail=""
                    )
                )
                connection.execute(
                    audit_log.insert().values(
                        at=START, actor="test", event="e" * 65, detail=""
                    )
                )
            assert count(storage, audit_log) == 0
        finally:
            storage.close()
