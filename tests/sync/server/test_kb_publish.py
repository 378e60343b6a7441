"""KB publishing sends only what devices take in a KB, and says what it left
out; the protocol's list of file kinds is the one the knowledge base reads."""

from __future__ import annotations

import json
from pathlib import Path

from knowledge_cache.ingest import KB_FILES
from knowledge_cache.readers import SUPPORTED_SUFFIXES
from sync.protocol import KB_DESCRIPTION_FILES, KB_DOCUMENT_SUFFIXES, is_kb_file
from sync.server.__main__ import main as governance


def test_the_protocol_names_the_file_kinds_the_knowledge_base_reads() -> None:
    assert set(KB_DOCUMENT_SUFFIXES) == set(SUPPORTED_SUFFIXES)
    assert KB_DESCRIPTION_FILES == KB_FILES
    assert is_kb_file("manuals/Pump.PDF") and is_kb_file("kb.toml")
    assert not is_kb_file("jobs.json") and not is_kb_file("notes/kb.toml.bak")


def test_files_devices_do_not_take_are_left_out_and_named(
    tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "kb"
    (folder / "manuals").mkdir(parents=True)
    (folder / "manuals" / "pump.md").write_text("# Pump\nE-42: low inlet pressure")
    (folder / "kb.toml").write_text("")
    (folder / "jobs.json").write_text(json.dumps({"jobs": []}))
    base = ["--data-dir", str(tmp_path / "centre")]

    assert governance([*base, "kb", "publish", str(folder)]) == 0
    out, err = capsys.readouterr()

    assert "(2 file(s))" in out
    assert "Left out 1 file(s)" in err and "jobs.json" in err


def test_a_folder_with_nothing_devices_take_is_refused(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "jobs.json").write_text("{}")

    code = governance(["--data-dir", str(tmp_path / "c"), "kb", "publish", str(folder)])

    assert code == 1 and "no documents to publish" in capsys.readouterr().err
