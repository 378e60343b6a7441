"""Questions in a technician's words: glossary, numbers, typos, splits, prefixes."""

from __future__ import annotations

import functools
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_cache import IngestError, KnowledgeStore, Snapshot, SnapshotFile
from knowledge_cache.acronyms import acronyms_in_text
from knowledge_cache.glossary import default_glossary, parse_glossary
from knowledge_cache.numbers import number_spellings, number_value
from knowledge_cache.understanding import Source

GLOSSARY = b"""
[glossary]
name = "Test fleet glossary"
version = "1"

[[abbreviation]]
short = "NPSH"
long = "net positive suction head"

[[synonym]]
words = ["shaking", "wobble"]
means = ["vibration"]

[[synonym]]
words = ["running hot"]
means = ["high temperature"]

[[unit]]
symbol = "bar"
spellings = ["bars"]
"""

MANUAL = """# Pump manual

## Vibration

Excessive vibration at the bearing housing means a damaged impeller.

## Cooling

A high temperature at the motor trips the pump after 10 minutes.

## Suction

Keep the net positive suction head above the pump requirement.

## Cavitation

Cavitation erodes the impeller vanes; the wear ring clearance grows.

## Wear ring

Replace the wear ring when the clearance exceeds 0.8 mm.

## Stages

The fourth stage of the pump holds the balance drum.
"""


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeStore:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "manual.md").write_text(MANUAL, "utf-8")
    (folder / "glossary.toml").write_bytes(GLOSSARY)
    store = KnowledgeStore.open(sqlite3.connect(":memory:"))
    report = store.ingest([folder])
    assert not report.failed, report.failed
    return store


def sections(store: KnowledgeStore, question: str, **kwargs: bool) -> list[str]:
    return [hit.chunk.section for hit in store.search(question, limit=3, **kwargs)]


def test_the_kb_glossary_leads_everyday_words_to_the_manuals_words(
    kb: KnowledgeStore,
) -> None:
    assert sections(kb, "pump shaking")[0].endswith("Vibration")
    assert sections(kb, "motor running hot")[0].endswith("Cooling")
    # The literal search does not know the glossary.
    assert not sections(kb, "shaking", literal=True)


def test_abbreviations_work_both_ways(kb: KnowledgeStore) -> None:
    assert sections(kb, "npsh too low")[0].endswith("Suction")
    alternatives = kb.understand("NPSH").understanding.alternatives["npsh"]
    assert [a.text for a in alternatives] == ["net positive suction head"]


def test_a_misspelled_word_is_corrected_to_the_kbs_own_word(kb: KnowledgeStore) -> None:
    understanding = kb.understand("cavitaion on the impelller").understanding
    sources = {a.source for found in understanding.alternatives.values() for a in found}
    assert sources == {Source.TYPO}
    assert sections(kb, "cavitaion on the impelller")[0].endswith("Cavitation")


def test_a_word_the_kb_runs_apart_is_split_and_a_cut_word_is_a_prefix(
    kb: KnowledgeStore,
) -> None:
    understanding = kb.understand("bearinghousing").understanding
    (split,) = understanding.alternatives["bearinghousing"]
    assert (split.text, split.source) == ("bearing housing", Source.SPLIT)
    assert sections(kb, "bearinghousing")[0].endswith("Vibration")
    (prefix,) = kb.understand("cleara").understanding.alternatives["cleara"]
    assert (prefix.text, prefix.prefix) == ("cleara", True)
    assert sections(kb, "ring cleara")[0].endswith("Wear ring")


def test_number_words_and_digits_find_each_other(kb: KnowledgeStore) -> None:
    alternatives = kb.understand("4th stage").understanding.alternatives["4th"]
    assert "fourth" in {a.text for a in alternatives}
    assert sections(kb, "trips after ten minutes")[0].endswith("Cooling")


def test_the_question_keeps_its_own_words(kb: KnowledgeStore) -> None:
    understanding = kb.understand("wear ring clearance").understanding
    assert understanding.words == ("wear", "ring", "clearance")
    assert sections(kb, "wear ring clearance")[0].endswith("Wear ring")


def test_codes_are_looked_up_not_searched_as_words(
    loaded_store: KnowledgeStore,
) -> None:
    understood = loaded_store.understand("E-43 pump vibration")
    assert understood.understanding.words == ("pump", "vibration")
    assert understood.exact_keys == ()
    assert [(r.code.value, r.known) for r in understood.readings] == [("E-43", False)]


def test_the_abbreviations_a_manual_defines_are_learned() -> None:
    text = (
        "Check the net positive suction head (NPSH) first. The AVR (automatic "
        "voltage regulator) holds the voltage. See E-10 (Low pressure)."
    )
    assert acronyms_in_text(text) == {
        ("NPSH", "net positive suction head"),
        ("AVR", "automatic voltage regulator"),
    }


def test_learned_abbreviations_are_searched(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(
        "# Dryer\n\n## Damper\n\nThe flux return damper (FRD) sets the "
        "airflow.\n\n## Other\n\nNothing here.\n",
        "utf-8",
    )
    store = KnowledgeStore.open(sqlite3.connect(":memory:"))
    store.ingest([tmp_path])
    understood = store.understand("frd stuck")
    assert [a.text for a in understood.understanding.alternatives["frd"]] == [
        "flux return damper"
    ]
    assert store.search("frd stuck", limit=1)[0].chunk.section.endswith("Damper")


@pytest.mark.parametrize(
    ("word", "value"), [("fourth", 4), ("ten", 10), ("2nd", 2), ("pump", None)]
)
def test_number_words(word: str, value: int | None) -> None:
    assert number_value(word) == value


def test_number_spellings() -> None:
    assert number_spellings(3) == ["3", "three", "third", "3rd"]


def test_a_kb_glossary_is_versioned_with_the_kb_and_travels_in_snapshots(
    kb: KnowledgeStore,
) -> None:
    manifest = {entry.document_id for entry in kb.manifest().documents}
    assert "glossary.toml" in manifest
    assert "Test fleet glossary" in kb.glossary().name
    other = KnowledgeStore.open(sqlite3.connect(":memory:"))
    other.apply_snapshot(
        Snapshot(
            version=1,
            files=(
                SnapshotFile("manual.md", MANUAL.encode()),
                SnapshotFile("glossary.toml", GLOSSARY),
            ),
        )
    )
    assert [h.chunk.section for h in other.search("shaking", limit=1)][0].endswith(
        "Vibration"
    )


def test_a_malformed_glossary_names_the_entry_and_changes_nothing(
    kb: KnowledgeStore, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "glossary.toml").write_text('[[synonym]]\nwords = ["x"]\n', "utf-8")
    report = kb.ingest([broken])
    (failure,) = report.failed
    assert "synonym entry 1" in failure.message and "means" in failure.message
    assert sections(kb, "shaking")[0].endswith("Vibration")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"not toml = = =", "not valid TOML"),
        (b'[[abbreviation]]\nshort = "AVR"\n', "abbreviation entry 1"),
        (b'[[synonym]]\nwords = ["a b c d e"]\nmeans = ["x"]\n', "longer than 4"),
    ],
)
def test_glossary_errors(text: bytes, problem: str) -> None:
    with pytest.raises(IngestError, match=problem):
        parse_glossary(text)


def test_the_general_glossary_ships_with_the_package_and_is_consistent() -> None:
    glossary = default_glossary()
    assert len(glossary.abbreviations) >= 40
    assert len(glossary.synonyms) >= 60
    shorts = [a.short.lower() for a in glossary.abbreviations]
    words = [w for s in glossary.synonyms for w in s.words]
    assert len(shorts) == len(set(shorts)), "an abbreviation is listed twice"
    assert len(words) == len(set(words)), "a word is given two meanings"


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120
    )
)
def test_any_text_is_searched_without_error(question: str) -> None:
    store = _FUZZ_STORE()
    hits = store.search(question, limit=5)
    assert len(hits) <= 5
    understood = store.understand(question)
    assert all(word == word.lower() for word in understood.understanding.words)


@functools.cache
def _FUZZ_STORE() -> KnowledgeStore:
    # One store for every example: hypothesis runs the test body many times.
    store = KnowledgeStore.open(sqlite3.connect(":memory:", check_same_thread=False))
    folder = Path(tempfile.mkdtemp())
    (folder / "manual.md").write_text(MANUAL, "utf-8")
    (folder / "glossary.toml").write_bytes(GLOSSARY)
    (folder / "faults.csv").write_text("code,description\nE-42,Motor overload\n")
    store.ingest([folder])
    return store


def test_similarity_of_meaning_reorders_but_keeps_the_best_keyword_match(
    tmp_path: Path,
) -> None:
    sections = "".join(
        f"## Part {i}\n\nThe pump seal and the seal housing, note {i}.\n\n"
        for i in range(12)
    )
    (tmp_path / "m.md").write_text(f"# Manual\n\n{sections}", "utf-8")
    plain = KnowledgeStore.open(sqlite3.connect(":memory:"))
    plain.ingest([tmp_path])
    keyword_best = plain.search("pump seal", limit=10)[0].chunk.section

    def dislikes_the_best(_question: str, texts: list[str]) -> list[float]:
        scores = {"Part 11": 1.0, keyword_best.split(" > ")[-1]: -1.0}
        return [
            next((v for k, v in scores.items() if f"{k} " in t), 0.0) for t in texts
        ]

    store = KnowledgeStore.open(
        sqlite3.connect(":memory:"), similarity=dislikes_the_best
    )
    store.ingest([tmp_path])
    ranked = [hit.chunk.section for hit in store.search("pump seal", limit=10)]
    assert ranked[0].endswith("Part 11")
    # Ranked last by meaning, the best keyword match still stays in the top 5.
    assert ranked.index(keyword_best) == 4
