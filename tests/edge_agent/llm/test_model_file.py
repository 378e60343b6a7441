"""A model file's hash is computed once per path, size and modification time."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from edge_agent.llm import ModelHashes


def test_a_file_is_hashed_once_and_again_when_it_changes(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"first weights")
    hashes = ModelHashes(tmp_path / "model-hashes.json")
    first = hashes.identity(model)
    stat = model.stat()

    # Same size and time, other bytes: the remembered hash is used, not the file.
    model.write_bytes(b"other weights")
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    remembered = ModelHashes(tmp_path / "model-hashes.json").identity(model)
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = hashes.identity(model)

    assert first.sha256 == hashlib.sha256(b"first weights").hexdigest()
    assert remembered == first and first.name == "m.gguf"
    assert changed.sha256 == hashlib.sha256(b"other weights").hexdigest()


def test_a_damaged_cache_is_hashed_again(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights")
    cache = tmp_path / "model-hashes.json"
    cache.write_text("{not json")

    identity = ModelHashes(cache).identity(model)

    assert identity.sha256 == hashlib.sha256(b"weights").hexdigest()
    assert str(model.resolve()) in cache.read_text()
