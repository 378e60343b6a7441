"""A damaged knowledge base is told apart from one that cannot be used just now.

Damage (cut short, a bad header, a page of noise, a folder in its place) is
:class:`CacheCorrupt` and the file is left as it was; a full disk, a read-only
file or an I/O error is :class:`CacheUnavailable`, never called damage.
Every failure here is SQLite's own, on real files.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_cache import (
    CacheCorrupt,
    CacheUnavailable,
    KnowledgeStore,
    check_integrity,
)
from knowledge_cache.db import open_db
from tests.conftest import REPO_ROOT

PAGE = 4096


@pytest.fixture
def kb_file(tmp_path: Path, kb_folder: Path) -> Path:
    """The sample KB in one closed file (its write-ahead log checkpointed)."""
    path = tmp_path / "home" / "knowledge.db"
    with KnowledgeStore.open(path) as kb:
        kb.ingest([kb_folder])
    assert not Path(f"{path}-wal").exists()
    return path


def cut(path: Path, size: int) -> bytes:
    with path.open("r+b") as file:
        file.truncate(size)
    return path.read_bytes()


def test_a_sound_file_passes_both_checks(kb_file: Path) -> None:
    assert check_integrity(kb_file, full=False) == ()
    assert check_integrity(kb_file, full=True) == ()


@pytest.mark.parametrize(
    ("size", "said"),
    [
        (lambda size: size // 2 // PAGE * PAGE, "pages its header counts"),
        (lambda size: size - 100, "not whole pages"),
        (lambda size: 60, "less than a header"),
    ],
    ids=["half", "part-of-a-page", "inside-the-header"],
)
def test_a_file_cut_short_is_damage_and_left_as_it_is(
    kb_file: Path, size, said: str
) -> None:
    left = cut(kb_file, size(kb_file.stat().st_size))

    with pytest.raises(CacheCorrupt, match=said) as raised:
        KnowledgeStore.open(kb_file)

    assert kb_file.read_bytes() == left
    assert raised.value.path == kb_file
    assert [p.name for p in kb_file.parent.iterdir()] == ["knowledge.db"]
    (problem,) = check_integrity(kb_file)
    assert said in problem


def test_a_bad_header_is_damage_and_left_as_it_is(kb_file: Path) -> None:
    with kb_file.open("r+b") as file:
        file.write(b"not SQLite at all")
    before = kb_file.read_bytes()

    with pytest.raises(CacheCorrupt, match="SQLite header"):
        KnowledgeStore.open(kb_file)

    assert kb_file.read_bytes() == before
    assert check_integrity(kb_file) == ("it does not start with a SQLite header",)


def test_a_page_of_noise_in_the_middle_is_found_by_the_checks(kb_file: Path) -> None:
    pages = kb_file.stat().st_size // PAGE
    with kb_file.open("r+b") as file:
        file.seek(pages // 2 * PAGE)
        file.write(random.Random(5).randbytes(PAGE))

    with KnowledgeStore.open(kb_file) as kb:  # the quick look at open passes
        assert kb.stats().documents == 5

    assert check_integrity(kb_file, full=False)
    found = check_integrity(kb_file, full=True)
    assert found and len(found) <= 20
    assert check_integrity(kb_file, full=False)  # still there: nothing repaired


def test_a_folder_in_place_of_the_file_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.db"
    path.mkdir()
    (path / "notes.txt").write_text("kept")

    with pytest.raises(CacheCorrupt, match="a folder is in its place"):
        KnowledgeStore.open(path)

    assert [p.name for p in path.iterdir()] == ["notes.txt"]
    assert check_integrity(path) == ("a folder is in its place",)


def test_a_read_only_file_reads_and_refuses_writes_as_read_only(
    kb_file: Path, kb_folder: Path
) -> None:
    before = kb_file.read_bytes()
    read_only = sqlite3.connect(f"{kb_file.as_uri()}?mode=ro", uri=True)
    with KnowledgeStore.open(read_only) as kb:
        assert kb.search("impeller", limit=1)
        (kb_folder / "new.md").write_text("# New\n\nA new page.\n")

        with pytest.raises(CacheUnavailable, match="read-only") as raised:
            kb.ingest([kb_folder / "new.md"])

    assert raised.value.reason == "read_only"
    assert kb_file.read_bytes() == before


def test_a_full_disk_while_creating_is_reported_as_a_full_disk() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA max_page_count = 2")  # SQLite's own SQLITE_FULL

    with pytest.raises(CacheUnavailable, match="is full") as raised:
        open_db(connection)

    assert raised.value.reason == "disk_full"
    assert "not damaged" in raised.value.message
    assert not isinstance(raised.value, CacheCorrupt)


def test_a_full_disk_while_ingesting_leaves_a_sound_kb(
    kb_file: Path, kb_folder: Path
) -> None:
    (kb_folder / "big.md").write_text("# Big\n\n" + "A long page of words. " * 4000)
    connection = sqlite3.connect(kb_file)
    with KnowledgeStore.open(connection) as kb:
        (pages,) = connection.execute("PRAGMA page_count").fetchone()
        connection.execute(f"PRAGMA max_page_count = {pages}")

        with pytest.raises(CacheUnavailable, match="is full") as raised:
            kb.ingest([kb_folder / "big.md"])

        assert raised.value.reason == "disk_full"
        assert kb.stats().documents == 5
    assert check_integrity(kb_file) == ()


CHILD = """
import json, resource, signal, sys
from pathlib import Path
from knowledge_cache import KnowledgeCacheError
from knowledge_cache.db import open_db

# No write may grow a file past 4 KiB: SQLite cannot make its shared-memory
# file, exactly as on a disk with no room left.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
space = (lambda folder: 0) if sys.argv[2] == "no-room" else None
try:
    open_db(Path(sys.argv[1]), **({"space": space} if space else {}))
except KnowledgeCacheError as exc:
    cause = exc.__cause__
    print(json.dumps({
        "error": type(exc).__name__,
        "reason": getattr(exc, "reason", None),
        "sqlite": getattr(cause, "sqlite_errorname", None),
        "message": exc.message,
    }))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file size limits")
@pytest.mark.parametrize(
    ("room", "reason"), [("no-room", "disk_full"), ("room", "io_error")]
)
def test_a_write_that_finds_no_room_at_open_is_not_called_damage(
    kb_file: Path, room: str, reason: str
) -> None:
    before = kb_file.read_bytes()

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(kb_file), room],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=True,
    )

    found = json.loads(child.stdout)
    assert found["sqlite"] == "SQLITE_IOERR_SHMSIZE"  # what a full disk gives
    assert (found["error"], found["reason"]) == ("CacheUnavailable", reason)
    assert "move it aside" not in found["message"]
    assert kb_file.read_bytes() == before
