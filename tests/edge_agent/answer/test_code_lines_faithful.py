"""Every line of a code answer gives each code its own text, never another's.

Runs every code of a table through the answer (lookup only) and reads each
quoted line by the forms answers use: ``CODE: text`` (the entry's own row),
``Listed with the same text: CODE`` (only for an identical text) and
``Related code CODE (...): text``. Any other line that names a code of the
table is a claim no form allows, and fails.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.answer.answerer import Answerer
from edge_agent.answer.values import Fact
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import CodeKind, KnowledgeStore
from tests.benchmarks.code_lines import answer_facts, misattributed_lines

_SAME = re.compile(r"^Listed with the same text: (?P<code>\S+)")
_RELATED = re.compile(r"^Related code (?P<code>\S+)(?: \([^)]*\))?: (?P<text>.*)$")
_OWN = re.compile(r"^(?P<code>[^:\s]+): (?P<text>.*)$")

CYLINDER_TABLE = (
    "code,description\n"
    + "".join(f"P03{n:02d},Cylinder {n} misfire detected\n" for n in range(1, 13))
    + "P0400,Exhaust gas recirculation flow\nP0401,Exhaust gas recirculation flow\n"
)


@pytest.fixture
def cylinder_kb(tmp_path: Path) -> Iterator[KnowledgeStore]:
    """A customer-like table (no kb.toml) whose texts differ only by a number."""
    (tmp_path / "codes.csv").write_text(CYLINDER_TABLE, "utf-8")
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([tmp_path])
        yield kb


@pytest.fixture
def demo_kb() -> Iterator[KnowledgeStore]:
    """The demo fleet's tables."""
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([demo_data_dir()])
        yield kb


def wrong_lines(store: KnowledgeStore) -> list[str]:
    """Lines of code answers that give a code a text not its own."""
    answerer = Answerer(store, None)
    wrong = []
    for kind in CodeKind:
        for entry in store.codes_of_kind(kind):
            facts = answer_facts(answerer.ask(entry.code))
            wrong += [
                f"{entry.code} -> {line}" for line in misattributed_lines(store, facts)
            ]
    return wrong


def test_texts_one_number_apart_are_offered_as_related_with_their_own_text(
    cylinder_kb: KnowledgeStore,
) -> None:
    answer = Answerer(cylinder_kb, None).ask("P0303")
    lines = [fact.text for fact in answer.facts]
    assert lines[0] == "P0303: Cylinder 3 misfire detected"
    related = [line for line in lines if line.startswith("Related code")]
    assert related == [
        "Related code P0302: Cylinder 2 misfire detected",
        "Related code P0304: Cylinder 4 misfire detected",
        "Related code P0301: Cylinder 1 misfire detected",
    ]
    assert not any("same text" in line for line in lines)


def test_identical_texts_are_listed_with_the_same_text(
    cylinder_kb: KnowledgeStore,
) -> None:
    lines = [fact.text for fact in Answerer(cylinder_kb, None).ask("P0400").facts]
    assert "Listed with the same text: P0401" in lines


def test_no_line_gives_a_cylinder_code_another_code_s_text(
    cylinder_kb: KnowledgeStore,
) -> None:
    assert wrong_lines(cylinder_kb) == []


def test_no_line_gives_a_demo_code_another_code_s_text(demo_kb: KnowledgeStore) -> None:
    assert wrong_lines(demo_kb) == []


def test_the_check_catches_a_line_that_gives_a_code_another_text(
    cylinder_kb: KnowledgeStore,
) -> None:
    own = cylinder_kb.lookup_code("P0303")[0]
    other = cylinder_kb.lookup_code("P0301")[0]
    facts = [
        Fact("P0303: Cylinder 3 misfire detected", own.chunk_id),
        Fact("Also listed as 'Cylinder 3 misfire detected': P0301", other.chunk_id),
        Fact("Related code P0301: Cylinder 3 misfire detected", other.chunk_id),
        Fact("Listed with the same text: P0301", other.chunk_id),
        Fact("Related code P0301: Cylinder 1 misfire detected", other.chunk_id),
    ]
    assert misattributed_lines(cylinder_kb, facts) == [f.text for f in facts[1:4]]


def test_a_row_s_same_text_codes_follow_that_row_in_a_search_answer(
    tmp_path: Path,
) -> None:
    (tmp_path / "codes.csv").write_text(
        "code,description\n"
        "Err 23,Internal temperature sensor failure\n"
        "Err 3,Remote temperature sensor failure\n"
        "Err 22,Internal temperature sensor failure\n"
        "Err 4,Remote temperature sensor failure\n",
        "utf-8",
    )
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([tmp_path])
        answer = Answerer(kb, None).ask("temperature sensor failure")
        lines = [fact.text for fact in answer.facts]
        assert misattributed_lines(kb, answer_facts(answer)) == []
    first = lines.index("Err 23: Internal temperature sensor failure")
    assert lines[first + 1] == "Listed with the same text: Err 22"
