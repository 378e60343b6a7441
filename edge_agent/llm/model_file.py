"""A model file known by its content: its name and the SHA-256 of its bytes.

A GGUF is tens to hundreds of megabytes, so a file is hashed once per (path,
size, modification time) and the hash is remembered in a small JSON file
(the home's ``model-hashes.json``); a file that changes is hashed again.
Hashing the default model (98 MB) takes 0.1 to 0.35 s; reading a remembered
hash, under a millisecond.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent.files import write_atomic

logger = logging.getLogger("edge_agent.llm")

CHUNK = 1 << 20
KEPT = 16
"""Most files whose hashes are remembered (the newest ones)."""


@dataclass(frozen=True, slots=True)
class ModelIdentity:
    """A model file: its name and the SHA-256 (hex) of its bytes."""

    name: str
    sha256: str


class ModelHashes:
    """The SHA-256 of model files, remembered per (path, size, mtime).

    Args:
        cache_file: Where hashes are remembered; ``None`` remembers nothing.
    """

    def __init__(self, cache_file: Path | None) -> None:
        self._cache_file = cache_file

    def identity(self, path: Path) -> ModelIdentity:
        """The file's name and hash; hashed now only when not remembered.

        Raises:
            OSError: the file cannot be read.
        """
        stat = path.stat()
        key = str(path.resolve())
        stamp = [stat.st_size, stat.st_mtime_ns]
        remembered = self._read()
        entry = remembered.get(key)
        if isinstance(entry, dict) and entry.get("stamp") == stamp:
            return ModelIdentity(path.name, str(entry["sha256"]))
        digest = file_sha256(path)
        remembered.pop(key, None)
        remembered[key] = {"stamp": stamp, "sha256": digest}
        self._write(dict(list(remembered.items())[-KEPT:]))
        return ModelIdentity(path.name, digest)

    def _read(self) -> dict[str, Any]:
        if self._cache_file is None:
            return {}
        try:
            data = json.loads(self._cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: the files are hashed again
        return data if isinstance(data, dict) else {}

    def _write(self, remembered: dict[str, Any]) -> None:
        if self._cache_file is None:
            return
        try:
            write_atomic(self._cache_file, json.dumps(remembered).encode("utf-8"))
        except OSError as exc:  # only costs hashing again next time
            logger.warning(
                "cannot remember model hashes in %s: %s", self._cache_file, exc
            )


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read a MiB at a time.

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
