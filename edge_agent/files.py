"""Writing files so that a crash leaves the old or the new content, never half."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: temp file, fsync, rename, fsync.

    Raises:
        OSError: the folder cannot be written; ``path`` is unchanged.
    """
    _write_whole(path, data, replace=True)


def create_atomic(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data``, complete or not at all, unless it exists.

    Returns False, and changes nothing, when ``path`` already exists: when two
    threads or processes create it at once, exactly one wins.

    Raises:
        OSError: the folder cannot be written.
    """
    try:
        _write_whole(path, data, replace=False)
    except FileExistsError:
        return False
    return True


def _write_whole(path: Path, data: bytes, *, replace: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            # A hard link fails if the name exists: the file appears whole.
            os.link(temporary, path)
    finally:
        with suppress(OSError):
            os.unlink(temporary)
    if sys.platform != "win32":
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as indented UTF-8 JSON, atomically."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))
