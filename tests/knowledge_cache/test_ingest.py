from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from knowledge_cache import (
    CacheCorrupt,
    CodeKind,
    IngestStatus,
    KnowledgeStore,
)
from knowledge_cache.format_matching import FormatSet


def test_folder_ingest_reads_every_supported_file(
    store: KnowledgeStore, kb_folder: Path
) -> None:
    report = store.ingest([kb_folder])
    assert {o.document_id: o.status for o in report.outcomes} == {
        "kb.toml": IngestStatus.ADDED,
        "faults.csv": IngestStatus.ADDED,
        "generator-guide.pdf": IngestStatus.ADDED,
        "notes.txt": IngestStatus.ADDED,
        "parts.csv": IngestStatus.ADDED,
        "pump-manual.md": IngestStatus.ADDED,
    }
    stats = store.stats()
    assert stats.name == "Test fleet"
    assert stats.documents == 5
    assert stats.codes == 5
    assert stats.version == 1
    assert [f.kind for f in store.code_formats()] == [
        CodeKind.FAULT_CODE,
        CodeKind.PART_NUMBER,
    ]


def test_reingesting_unchanged_files_is_a_no_op(loaded_store, kb_folder) -> None:
    before = loaded_store.manifest()
    report = loaded_store.ingest([kb_folder])
    assert {o.status for o in report.outcomes} == {IngestStatus.UNCHANGED}
    assert loaded_store.manifest() == before


def test_changed_file_replaces_its_chunks(loaded_store, kb_folder) -> None:
    manual = kb_folder / "pump-manual.md"
    manual.write_text(
        manual.read_text().replace("lithium grease", "polyurea grease"),
        encoding="utf-8",
    )
    report = loaded_store.ingest([kb_folder])
    statuses = {o.document_id: o.status for o in report.outcomes}
    assert statuses["pump-manual.md"] is IngestStatus.REPLACED
    assert statuses["faults.csv"] is IngestStatus.UNCHANGED
    assert loaded_store.stats().version == 2
    assert loaded_store.search("polyurea")
    assert not loaded_store.search("lithium")


def test_a_failed_replacement_keeps_the_previous_version(loaded_store, kb_folder):
    (kb_folder / "faults.csv").write_text("name,description\nx,y\n", encoding="utf-8")
    report = loaded_store.ingest([kb_folder])
    (failed,) = report.failed
    assert failed.document_id == "faults.csv"
    assert "faults.csv" in failed.message
    assert "no code column" in failed.message
    assert loaded_store.lookup_code("E-42")[0].description == "Low discharge pressure"
    assert loaded_store.stats().version == 1


def test_one_bad_file_does_not_stop_the_others(store, tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("# Good\n\nValve V-12 notes.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary")
    report = store.ingest([tmp_path / "bad.txt", tmp_path / "good.md"])
    assert [o.status for o in report.outcomes] == [
        IngestStatus.FAILED,
        IngestStatus.ADDED,
    ]
    assert store.search("valve")


def test_missing_path_is_reported_not_raised(store, tmp_path: Path) -> None:
    report = store.ingest([tmp_path / "nowhere.md"])
    (failed,) = report.failed
    assert "does not exist" in failed.message


def test_files_over_the_size_limit_are_refused(store, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("word " * 100, encoding="utf-8")
    assert not store.ingest_sources(store.sources([big])).failed
    big.write_text("other " * 100, encoding="utf-8")
    report = store.ingest_sources(store.sources([big]), max_file_bytes=10)
    assert "over the" in report.failed[0].message
    assert store.search("word")  # the earlier version is still there


def test_hidden_and_unsupported_files_in_folders_are_skipped(store, tmp_path):
    (tmp_path / ".hidden.md").write_text("# Hidden\n\ntext\n", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "kept.md").write_text("# Kept\n\ntext\n", encoding="utf-8")
    assert [s.document_id for s in store.sources([tmp_path])] == ["kept.md"]


def test_invalid_declarations_name_the_entry_and_field(store, tmp_path) -> None:
    (tmp_path / "kb.toml").write_text(
        '[[code_formats]]\nkind = "fault_code"\npattern = "E-(\\\\d"\n',
        encoding="utf-8",
    )
    (failed,) = store.ingest([tmp_path]).failed
    assert "code_formats entry 1, field pattern" in failed.message


def test_a_declared_example_that_its_pattern_does_not_fit_is_refused(
    store, tmp_path
) -> None:
    (tmp_path / "kb.toml").write_text(
        '[[code_formats]]\nkind = "fault_code"\npattern = "E\\\\d{2}"\n'
        'example = "E-42"\n',
        encoding="utf-8",
    )
    (failed,) = store.ingest([tmp_path]).failed
    assert "code_formats entry 1, field example: 'E-42' does not fit" in (
        failed.message
    )


def test_a_declared_pattern_reads_codes_whatever_the_case_of_its_letters(
    store, tmp_path
) -> None:
    # Hex codes are written 0x8110 in a table, read 0X8110 off a photo.
    (tmp_path / "kb.toml").write_text(
        '[[code_formats]]\nkind = "fault_code"\npattern = "0x[0-9A-F]{4}"\n'
        'example = "0x8110"\n',
        encoding="utf-8",
    )
    (tmp_path / "faults.csv").write_text(
        "code,description\n0x8110,CAN overrun\n", encoding="utf-8"
    )
    assert not store.ingest([tmp_path]).failed
    formats = FormatSet(store.code_formats())
    for read in ("0X8110", "0x8110", "OX8110"):
        match = formats.match(read)
        assert match is not None and match.value.upper() == "0X8110", read


def test_corrupt_database_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.db"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(CacheCorrupt, match="move it aside"):
        KnowledgeStore.open(path)
    assert path.read_bytes() == garbage


def test_kb_on_disk_survives_reopen(tmp_path: Path, kb_folder: Path) -> None:
    path = tmp_path / "kb" / "knowledge.db"
    with KnowledgeStore.open(path) as kb:
        kb.ingest([kb_folder])
    with KnowledgeStore.open(path) as kb:
        assert kb.stats().documents == 5
        assert kb.stats().size_bytes > 0
        assert kb.lookup_code("e42")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_codes_sharing_a_key_are_each_found_by_their_own_spelling(
    store, tmp_path: Path
) -> None:
    table = tmp_path / "truck-faults.csv"
    table.write_text(
        "code,description\n2,Voltage\n2.1,Battery voltage below minimum\n"
        "21,Line contactor welded\n22,Line contactor did not close\n",
        encoding="utf-8",
    )
    report = store.ingest([table])
    assert not report.failed
    assert store.stats().chunks == 4  # every row kept, ids in row order

    def described(text: str) -> list[tuple[str, str]]:
        return [(e.code, e.description) for e in store.lookup_code(text)]

    assert described("fault 21 on the truck") == [("21", "Line contactor welded")]
    assert described("fault 2.1 on the truck") == [
        ("2.1", "Battery voltage below minimum")
    ]
    assert described("fault 2_1") == [("2.1", "Battery voltage below minimum")]
    (reading,) = [r for r in store.read_codes("what does 21 mean") if r.entries]
    assert [e.code for e in reading.entries] == ["21"]
