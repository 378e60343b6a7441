"""The outbox schema: migrations, the documented schema, pragmas, damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from sync import OutboxCorrupt, OutboxError
from sync.outbox.db import open_outbox_db, schema_sql
from sync.outbox.migrations import migrations
from tests.conftest import REPO_ROOT
from tests.sync.outbox_support import DEVICE, make_outbox, sample_parts, sample_trace


def test_migrations_build_the_schema_from_empty() -> None:
    db = open_outbox_db(sqlite3.connect(":memory:"))
    assert {
        "outbox_device",
        "action_states",
        "actions",
        "traces",
        "transitions",
        "pruned_actions",
    } <= set(db.table_names())
    assert migrations.pending(db) == []


def test_reapplying_migrations_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    first = schema_sql(open_outbox_db(path))
    db = Database(path)
    applied = [m.name for m in migrations.applied(db)]
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == applied
    assert schema_sql(open_outbox_db(path)) == first


def test_upgrading_an_outbox_gives_it_an_id_and_keeps_its_chain(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.db"
    db = Database(path)
    migrations.apply(db, stop_before="m003_outbox_identity_and_request_keys")
    db.execute(
        "INSERT INTO outbox_device (id, device_id, last_seq, last_hash, "
        "created_at) VALUES (1, ?, 0, ?, '2026-03-02T07:30:00.000000Z')",
        [DEVICE, "0" * 64],
    )
    db.conn.commit()
    db.close()
    with make_outbox(path) as outbox:
        queued = outbox.enqueue(**sample_parts(), trace=sample_trace())
    db = Database(path)
    assert migrations.pending(db) == []
    db.close()

    with make_outbox(path) as upgraded:
        identity = upgraded.identity()
        assert len(identity.outbox_id) == 32
        assert (identity.head.seq, identity.start.seq) == (1, 0)
        assert upgraded.get(queued.key) == queued
        assert upgraded.verify_chain() is None
        upgraded.bind_request(queued.key, request_key="k-1", request_hash="h")
        assert upgraded.recorded_request("k-1").seq == 1  # type: ignore[union-attr]


def test_docs_schema_matches_the_migrations() -> None:
    documented = (REPO_ROOT / "docs" / "outbox-schema.sql").read_text(encoding="utf-8")
    generated = schema_sql(open_outbox_db(sqlite3.connect(":memory:")))
    assert documented.split("\n\n", 1)[1] == generated, (
        "docs/outbox-schema.sql is out of date: "
        "run python scripts/dump_outbox_schema.py"
    )


def test_a_file_outbox_is_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    with make_outbox(tmp_path / "outbox.db") as outbox:
        pragma = outbox.db.execute
        assert pragma("PRAGMA journal_mode").fetchone() == ("wal",)
        assert pragma("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert pragma("PRAGMA foreign_keys").fetchone() == (1,)


def test_opening_creates_the_folder_and_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "home" / "outbox.db"
    with make_outbox(path) as outbox:
        queued = outbox.enqueue(**sample_parts(), trace=sample_trace())
    with make_outbox(path) as reopened:
        assert reopened.get(queued.key) == queued


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a database, just some text that happens to be here\n" * 20,
        b"SQLite format 3\x00" + bytes(range(256)) * 8,
    ],
    ids=["text", "sqlite-header-then-garbage"],
)
def test_a_damaged_file_raises_outbox_corrupt_and_is_left_untouched(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "outbox.db"
    path.write_bytes(content)

    with pytest.raises(OutboxCorrupt) as raised:
        make_outbox(path)

    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outbox.db"]
    assert "damaged" in raised.value.message and raised.value.title


def test_an_outbox_of_another_device_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    make_outbox(path).close()

    with pytest.raises(OutboxError, match="belongs to device device-0001"):
        make_outbox(path, device_id="device-0002")

    with make_outbox(path) as outbox:
        assert outbox.device_id == DEVICE


def test_a_full_disk_is_reported_as_such_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    with make_outbox(tmp_path / "outbox.db") as outbox:
        outbox.enqueue(**sample_parts(), trace=sample_trace("first"))
        (pages,) = outbox.db.execute("PRAGMA page_count").fetchone()
        # SQLite's own "database or disk is full", as on a full disk.
        outbox.db.execute(f"PRAGMA max_page_count = {pages}")
        big = sample_trace("big", spans=400)

        with pytest.raises(OutboxError, match="disk holding the outbox") as raised:
            outbox.enqueue(**sample_parts(), trace=big)

        assert raised.value.title == "Disk full"
        assert [a.seq for a in outbox.list()] == [1]
