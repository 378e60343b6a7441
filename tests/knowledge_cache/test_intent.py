"""What a question asks for, and ranking that prefers chunks about it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from knowledge_cache import KnowledgeStore, concepts
from knowledge_cache.concepts import Preference
from knowledge_cache.intent import Intent, IntentCues, default_cues, question_intent
from knowledge_cache.models import Chunk, CodeKind
from knowledge_cache.subjects import chunk_subjects
from knowledge_cache.understanding import Understanding

MANUAL = """# Pump manual

## 3 Operation

### 3.4 Shutdown after a run

After ten minutes at full flow, the pump can shut down: reduce the speed,
close the discharge valve and stop the motor. Shut down the pump the same way
after every run.

## 5 Troubleshooting

### 5.2 E-42 Motor overload trip

The motor current stayed above its limit. Check the impeller for rubbing and
the supply for a missing phase before a restart.

### 5.3 E-99 Controller note

E-99 is shown on old controllers only.
"""

FAULTS = "code,description,likely cause\nE-42,Motor overload trip,Impeller rubbing\n"
PARTS = "part number,description,unit price\n4471-A20-339,Impeller 200 mm,412.50\n"


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeStore:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "manual.md").write_text(MANUAL, "utf-8")
    (folder / "faults.csv").write_text(FAULTS, "utf-8")
    (folder / "parts.csv").write_text(PARTS, "utf-8")
    store = KnowledgeStore.open(sqlite3.connect(":memory:"))
    report = store.ingest([folder])
    assert not report.failed, report.failed
    return store


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("compressor keeps tripping on overload", Intent.FAULT),
        ("oil pressure light comes on at idle", Intent.FAULT),
        ("why does the generator shut down after an hour", Intent.FAULT),
        ("what's wrong when the pump won't prime", Intent.FAULT),
        ("need a new impeller for the pump", Intent.PART),
        ("part number for the air filter?", Intent.PART),
        ("mechanical seal for the 350, how much", Intent.PART),
        ("how much oil does the sump take", Intent.INFORMATION),
        ("how do i bleed the fuel system", Intent.INFORMATION),
        ("torque for the impeller nut", Intent.INFORMATION),
        ("valve is open, which way do I turn the lever", Intent.INFORMATION),
        ("wiring diagram of the control panel", Intent.INFORMATION),
    ],
)
def test_what_a_question_asks_for(question: str, intent: Intent) -> None:
    assert question_intent(question) is intent


def test_each_intent_names_what_it_prefers() -> None:
    assert Intent.FAULT.subject is CodeKind.FAULT_CODE
    assert Intent.PART.subject is CodeKind.PART_NUMBER
    assert Intent.INFORMATION.subject is None
    assert "fault report" in Intent.FAULT.describe()


def test_the_cues_ship_with_the_package_and_a_broken_file_is_named() -> None:
    assert default_cues().part.search("need a replacement")
    with pytest.raises(ValueError, match=r"intents.toml: \[part\] phrases"):
        IntentCues.parse(b"[part]\nphrases = 'order'\n")


def test_a_chunk_is_about_the_entry_it_is_or_the_listed_code_its_heading_names(
    kb: KnowledgeStore,
) -> None:
    db = kb._db  # the store's own connection: what search uses
    rows = db.execute("SELECT id, chunk_id, section FROM chunks").fetchall()
    chunks = {rowid: kb.chunk(chunk_id) for rowid, chunk_id, _ in rows}
    about = {
        chunks[r].chunk_id: kinds for r, kinds in chunk_subjects(db, chunks).items()
    }
    assert about["faults.csv#1"] == {CodeKind.FAULT_CODE}
    assert about["parts.csv#1"] == {CodeKind.PART_NUMBER}
    fault_section = next(c for c in chunks.values() if "E-42" in c.section)
    assert about[fault_section.chunk_id] == {CodeKind.FAULT_CODE}
    # A heading that names a code no table lists, or none, is about nothing.
    assert not any("E-99" in chunks[r].section for r in chunk_subjects(db, chunks))
    assert not any("Shutdown" in chunks[r].section for r in chunk_subjects(db, chunks))


def _first(kb: KnowledgeStore, question: str) -> str:
    hit = kb.search(question, limit=5)[0]
    return f"{hit.chunk.chunk_id} {hit.chunk.section}"


def test_a_fault_report_ranks_the_fault_above_a_section_that_shares_its_words(
    kb: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = "pump shut down after ten minutes, motor current high"
    assert kb.understand(report).intent is Intent.FAULT
    assert "E-42" in _first(kb, report)
    # The same words asked as a procedure find the general section, and
    # without the preference the report would find it too.
    assert "Shutdown" in _first(kb, "how do i shut down the pump after ten minutes")
    monkeypatch.setattr(concepts, "PREFERENCE_SHARE", 0.0)
    assert "Shutdown" in _first(kb, report)


def test_a_parts_request_ranks_the_catalogue_entry_first(
    kb: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = "need a new impeller"
    assert kb.understand(request).intent is Intent.PART
    assert _first(kb, request).startswith("parts.csv#1")
    monkeypatch.setattr(concepts, "PREFERENCE_SHARE", 0.0)
    assert not _first(kb, request).startswith("parts.csv#1")


def test_a_misread_intent_never_hides_the_best_match_by_words() -> None:
    def chunk(n: int, section: str, text: str) -> Chunk:
        return Chunk(f"m.md#{n}", "m.md", "Manual", section, None, text)

    # Seven fault sections hold one word of the question, a general section
    # holds both: preferring faults would rank it eighth.
    chunks = {
        n: chunk(n, f"5.{n} E-{n}0 Fault", "The seal leaks.") for n in range(1, 8)
    }
    chunks[8] = chunk(8, "3.1 Shutdown", "Shut down the seal water.")
    wanted = Preference(
        CodeKind.FAULT_CODE, {n: frozenset({CodeKind.FAULT_CODE}) for n in range(1, 8)}
    )
    found = concepts.concepts(Understanding(("seal", "water")), {}, 8)
    candidates = [(n, 10.0 - n) for n in range(1, 9)]
    ranked = [rowid for rowid, _ in concepts.rerank(candidates, chunks, found)]
    assert ranked[0] == 8
    preferred = [r for r, _ in concepts.rerank(candidates, chunks, found, None, wanted)]
    assert preferred[:4] == [1, 2, 3, 4] and preferred[4] == 8
