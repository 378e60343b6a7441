"""Telling a damaged knowledge base from one that cannot be used just now.

- :func:`check_file`: the cheap look taken at every open (a folder in the
  file's place, a file that does not start as SQLite does, or one shorter
  than its own header says). It reads 100 bytes and the file's size.
- :func:`check_integrity`: SQLite's page-level ``quick_check``, or the full
  ``integrity_check`` plus the FTS index's own check. The quick one takes
  about 0.26 s on a 100,000-chunk base, the full one about 1.6 s: too slow
  for every command, right for a sync or ``kb check``.
- :func:`classify`: a SQLite or OS failure as :class:`CacheCorrupt` (the
  file is damaged) or :class:`CacheUnavailable` (the disk is full, the file
  is read-only, an I/O error): only damage calls for replacing the file.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from knowledge_cache.errors import CacheCorrupt, CacheUnavailable, KnowledgeCacheError

SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_BYTES = 100
LOW_FREE_BYTES = 1 << 20
"""Below this much free space, an I/O error is taken as a full disk: SQLite
reports a write that found no room while growing its shared-memory file as
``disk I/O error`` (``SQLITE_IOERR_SHMSIZE``), not as ``SQLITE_FULL``."""
FTS_TABLE = "chunks_fts"
SHOWN_PROBLEMS = 20

FreeSpace = Callable[[Path], int]
"""Free bytes for this user on the disk holding a folder."""

_CORRUPT = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_READ_ONLY = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM})
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_IO = frozenset({sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN})


def free_space(folder: Path) -> int:
    """The free bytes this user may use on the disk holding ``folder``."""
    return shutil.disk_usage(folder).free


def check_file(path: Path) -> str | None:
    """What is visibly wrong with the file at ``path``, or ``None``.

    A missing or empty file is not wrong: SQLite starts a new database there.

    Raises:
        CacheUnavailable: the file cannot be read.
    """
    if path.is_dir():
        return "a folder is in its place"
    try:
        with path.open("rb") as file:
            header = file.read(HEADER_BYTES)
            size = file.seek(0, 2)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise classify(path, exc) from exc
    if not header:
        return None
    if not header.startswith(SQLITE_HEADER):
        return "it does not start with a SQLite header"
    return _size_problem(header, size)


def _size_problem(header: bytes, size: int) -> str | None:
    """A file cut short: not whole pages, or fewer than its header counts."""
    if len(header) < HEADER_BYTES:
        return f"it is cut short ({size} bytes, less than a header)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"its header names an impossible page size ({page_size})"
    if size % page_size:
        return f"it is cut short ({size} bytes, not whole pages of {page_size})"
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96]  # the header's count is current
    if counted and pages * page_size > size:
        return (
            f"it is cut short ({size // page_size} of the {pages} pages its "
            "header counts)"
        )
    return None


def check_integrity(path: Path, *, full: bool = True) -> tuple[str, ...]:
    """The problems SQLite finds in the knowledge base at ``path`` (none: sound).

    ``full`` runs ``integrity_check`` and the full-text index's own check;
    otherwise ``quick_check`` (every page, without matching indexes to
    their tables). The file must exist; nothing is written to it.

    Raises:
        CacheUnavailable: it cannot be read (I/O error, no permission).
    """
    problem = check_file(path)
    if problem is not None:
        return (problem,)
    try:
        with closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
        ) as db:
            return _problems(db, full)
    except sqlite3.DatabaseError as exc:
        found = classify(path, exc)
        if isinstance(found, CacheCorrupt):
            return (str(exc),)
        raise found from exc


def _problems(db: sqlite3.Connection, full: bool) -> tuple[str, ...]:
    pragma = "integrity_check" if full else "quick_check"
    rows = db.execute(f"PRAGMA {pragma}({SHOWN_PROBLEMS})").fetchall()
    found = tuple(str(row[0]) for row in rows if row[0] != "ok")
    if found or not full:
        return found
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    if FTS_TABLE not in tables:
        return ()
    try:
        db.execute("BEGIN")
        db.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode & 0xFF not in _CORRUPT:
            raise
        return (f"the full-text index: {exc}",)
    finally:
        db.rollback()
    return ()


def classify(
    path: Path | None,
    exc: sqlite3.Error | OSError,
    *,
    space: FreeSpace = free_space,
) -> KnowledgeCacheError:
    """The error to raise for a failure on the knowledge base at ``path``.

    :class:`CacheCorrupt` when the file is damaged (or not a database);
    :class:`CacheUnavailable` when the disk is full, the file is read-only,
    busy, or could not be read or written.
    """
    where = _named(path)
    reason = _reason(path, exc, space)
    if reason == "corrupt":
        return corrupt(path, exc)
    messages = {
        "disk_full": f"The disk holding the knowledge base{_at(path)} is full "
        f"({exc}). The knowledge base is not damaged and nothing was changed: "
        "free some disk space and try again.",
        "read_only": f"{where} cannot be written ({exc}): the file or its folder "
        "is read-only. It is not damaged: make it writable for this user and try "
        "again.",
        "busy": f"{where} is busy (another process is writing); try again in a moment.",
        "io_error": f"{where} could not be read or written ({exc}). Nothing says "
        "it is damaged: check the disk, and that no other program holds the "
        "file, then try again.",
    }
    titles = {"disk_full": "Disk full", "read_only": "Knowledge base read-only"}
    return CacheUnavailable(
        messages[reason],
        reason=reason,
        title=titles.get(reason, "Knowledge base unavailable"),
        path=path,
    )


def corrupt(path: Path | None, cause: object) -> CacheCorrupt:
    """The error for a knowledge base found damaged, ``cause`` saying how."""
    return CacheCorrupt(
        f"{_named(path)} is damaged or not a database ({cause}). It was left as it is: "
        "move it aside and ingest the documents again, or sync to get a fresh "
        "snapshot.",
        title="Knowledge base unreadable",
        path=path,
        cause=str(cause),
    )


def unavailable(path: Path | None, exc: sqlite3.Error) -> CacheUnavailable | None:
    """A full disk, a read-only file or an I/O error, as :class:`CacheUnavailable`;
    ``None`` for any other failure."""
    found = classify(path, exc)
    return found if isinstance(found, CacheUnavailable) else None


def _named(path: Path | None) -> str:
    return f"The knowledge base{_at(path)}"


def _at(path: Path | None) -> str:
    return "" if path is None else f" {path}"


def _reason(path: Path | None, exc: sqlite3.Error | OSError, space: FreeSpace) -> str:
    if isinstance(exc, OSError):
        return _os_reason(exc, path, space)
    code = getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_ERROR) & 0xFF
    if code == sqlite3.SQLITE_FULL:
        return "disk_full"
    if code in _READ_ONLY:
        return "read_only"
    if code in _BUSY:
        return "busy"
    if code in _IO:
        return "disk_full" if _low_on_space(path, space) else "io_error"
    return "corrupt"


def _os_reason(exc: OSError, path: Path | None, space: FreeSpace) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk_full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "read_only"
    return "disk_full" if _low_on_space(path, space) else "io_error"


def _low_on_space(path: Path | None, space: FreeSpace) -> bool:
    if path is None:
        return False
    try:
        return space(path.parent) < LOW_FREE_BYTES
    except OSError:
        return False
