"""The demo fleet's glossary: it parses, and it leads to the KB's own words."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore
from knowledge_cache.glossary import GLOSSARY_FILE, parse_glossary


def demo_glossary():
    return parse_glossary((demo_data_dir() / GLOSSARY_FILE).read_bytes())


def test_every_meaning_is_written_in_the_demo_kb(tmp_path: Path) -> None:
    database = tmp_path / "kb.db"
    with KnowledgeStore.open(database) as store:
        assert not store.ingest([demo_data_dir()]).failed
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT title, section, body FROM chunks").fetchall()
    text = " ".join(" ".join(map(str, row)) for row in rows).lower()
    missing = [m for s in demo_glossary().synonyms for m in s.means if m not in text]
    assert not missing, f"meanings the demo KB never writes: {missing}"


def test_each_word_has_one_meaning() -> None:
    counts = Counter(w for s in demo_glossary().synonyms for w in s.words)
    assert [w for w, n in counts.items() if n > 1] == []
