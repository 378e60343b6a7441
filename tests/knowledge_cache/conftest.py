"""Fixtures for knowledge-cache tests: real SQLite, in memory or on disk."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge_cache import KnowledgeStore


@pytest.fixture
def store() -> Iterator[KnowledgeStore]:
    """An empty KB in memory: real SQLite and FTS5, nothing left on disk."""
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        yield kb


@pytest.fixture
def kb_folder(tmp_path: Path, data_dir: Path) -> Path:
    """A writable copy of tests/data/kb, so tests can change files in it."""
    folder = tmp_path / "kb"
    shutil.copytree(data_dir / "kb", folder)
    return folder


@pytest.fixture
def loaded_store(store: KnowledgeStore, kb_folder: Path) -> KnowledgeStore:
    """The in-memory KB with the sample folder ingested."""
    report = store.ingest([kb_folder])
    assert not report.failed, report.failed
    return store
