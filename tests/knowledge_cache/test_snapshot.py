from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from knowledge_cache import (
    KnowledgeCacheError,
    KnowledgeStore,
    ManifestEntry,
    Snapshot,
    SnapshotError,
    SnapshotFile,
)


def _files(folder: Path) -> tuple[SnapshotFile, ...]:
    return tuple(
        SnapshotFile(path.name, path.read_bytes()) for path in sorted(folder.iterdir())
    )


def test_manifest_lists_every_document_with_its_source_hash(loaded_store, kb_folder):
    manifest = loaded_store.manifest()
    assert manifest.version == 1
    expected = [
        ManifestEntry(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(kb_folder.iterdir())
    ]
    assert list(manifest.documents) == expected


def test_full_snapshot_replaces_everything(loaded_store: KnowledgeStore) -> None:
    snapshot = Snapshot(
        version=7,
        files=(SnapshotFile("faults.csv", b"code,description\nE-77,Belt slip\n"),),
    )
    assert loaded_store.apply_snapshot(snapshot) == 7
    manifest = loaded_store.manifest()
    assert manifest.version == 7
    assert [entry.document_id for entry in manifest.documents] == ["faults.csv"]
    assert loaded_store.lookup_code("E-77")[0].description == "Belt slip"
    assert loaded_store.lookup_code("E-42") == []
    assert loaded_store.code_formats() == []


def test_delta_adds_replaces_and_removes_documents(loaded_store) -> None:
    delta = Snapshot(
        version=2,
        base_version=1,
        files=(SnapshotFile("extra.md", b"# Extra\n\nCompressor C-117 note.\n"),),
        removed=("notes.txt",),
    )
    loaded_store.apply_snapshot(delta)
    ids = [entry.document_id for entry in loaded_store.manifest().documents]
    assert "extra.md" in ids
    assert "notes.txt" not in ids
    assert "pump-manual.md" in ids
    assert loaded_store.search("C-117")[0].chunk.document_id == "extra.md"


@pytest.mark.parametrize(
    ("snapshot", "message"),
    [
        (Snapshot(version=1, files=()), "not newer"),
        (Snapshot(version=3, base_version=2, files=()), "built on KB version 2"),
        (
            Snapshot(
                version=2,
                base_version=1,
                files=(
                    SnapshotFile("ok.md", b"# Fine\n\nnew text\n"),
                    SnapshotFile("bad.csv", b"name\nx\n"),
                ),
            ),
            "bad.csv has no code column",
        ),
    ],
)
def test_refused_snapshot_leaves_the_kb_exactly_as_it_was(
    loaded_store: KnowledgeStore, snapshot: Snapshot, message: str
) -> None:
    before = (loaded_store.manifest(), loaded_store.stats())
    with pytest.raises(SnapshotError, match=message):
        loaded_store.apply_snapshot(snapshot)
    assert (loaded_store.manifest(), loaded_store.stats()) == before
    assert not loaded_store.search("new text")


def test_failure_while_writing_rolls_the_whole_snapshot_back(kb_folder: Path) -> None:
    connection = sqlite3.connect(":memory:")
    kb = KnowledgeStore.open(connection)
    kb.ingest([kb_folder])
    before = (kb.manifest(), kb.stats())
    # The storage fails on the second file, after the first one was written.
    connection.execute(
        "CREATE TEMP TRIGGER fail_on_boom BEFORE INSERT ON chunks "
        "WHEN new.body LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    snapshot = Snapshot(
        version=5,
        base_version=1,
        files=(
            SnapshotFile("new.md", b"# New\n\nfresh words\n"),
            SnapshotFile("later.md", b"# Later\n\nboom\n"),
        ),
        removed=("pump-manual.md",),
    )
    with pytest.raises(KnowledgeCacheError, match="disk full"):
        kb.apply_snapshot(snapshot)
    assert (kb.manifest(), kb.stats()) == before
    assert not kb.search("fresh")
    assert kb.search("bearings")
