"""Serial numbers in questions, looked up in the job list before any search."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from edge_agent.answer.answerer import Answerer
from edge_agent.answer.serials import look_up_serials
from edge_agent.answer.values import AnswerEvent
from edge_agent.jobs import JobBook, parse_job_book
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore
from knowledge_cache.relevance import coverage


@pytest.fixture(scope="module")
def store() -> Iterator[KnowledgeStore]:
    """The demo fleet's KB in memory (real SQLite), with its serial format."""
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as kb:
        kb.ingest([demo_data_dir()])
        yield kb


@pytest.fixture(scope="module")
def jobs() -> JobBook:
    return parse_job_book(json.loads((demo_data_dir() / "jobs.json").read_text()))


def test_a_serial_number_in_any_spelling_names_its_asset_and_jobs(
    store: KnowledgeStore, jobs: JobBook
) -> None:
    found = look_up_serials(store.read_codes("which pump is hfp 351207"), jobs)
    (notice,) = found.notices
    assert notice.startswith("HFP-351207 is asset PUMP-0977 in your job list: HP-350")
    assert "Intake house" in notice and "4310 h run" in notice
    assert "Job J-1004 (assigned, due 2026-11-25): Mechanical seal weeping" in notice
    assert found.model == "HP-350"


def test_a_serial_number_the_list_lacks_is_said_missing_never_matched(
    store: KnowledgeStore, jobs: JobBook
) -> None:
    # HFP-351208 is one digit from a listed pump: still not in the list.
    found = look_up_serials(store.read_codes("HFP-351208 leaking"), jobs)
    assert found.notices == ("HFP-351208 is not among the assets of your job list.",)
    assert found.model == ""


def test_serials_of_two_models_steer_nothing(
    store: KnowledgeStore, jobs: JobBook
) -> None:
    found = look_up_serials(store.read_codes("HFP-351207 and AMX-075112"), jobs)
    assert len(found.notices) == 2 and found.model == ""


def test_the_answer_names_the_asset_and_searches_its_manual(
    store: KnowledgeStore, jobs: JobBook
) -> None:
    events: list[AnswerEvent] = []
    answer = Answerer(store, None, jobs=jobs).ask(
        "torque for the casing bolts on HFP 351207", on_event=events.append
    )
    assert answer.notices[0].startswith("HFP-351207 is asset PUMP-0977")
    assert [e.text for e in events if e.kind == "notice"] == list(answer.notices)
    assert "170 Nm" in answer.facts[0].text
    assert answer.facts[0].chunk_id.startswith("manuals/hp300-pump-service-manual")
    # Without a job list the serial number is answered from the manuals alone;
    # the chunk that names it counts as an answer to a question of no words.
    alone = Answerer(store, None).ask("HFP-351207")
    assert not any("job list" in notice for notice in alone.notices)
    assert any("HFP-351207" in fact.text for fact in alone.facts)


def test_an_absent_fault_code_does_not_count_against_the_words(
    store: KnowledgeStore,
) -> None:
    words = "pump bearing temperature high"
    with_code = store.understand(f"E-44 {words}")
    assert [r.code.value for r in with_code.readings if not r.known] == ["E-44"]
    hit = store.search(words, limit=1)[0]
    assert coverage(with_code, hit) == coverage(store.understand(words), hit) > 0
    # A serial number, by contrast, counts: the chunk that names it holds it.
    serial = store.understand(f"HFP-351207 {words}")
    assert coverage(serial, hit) < coverage(store.understand(words), hit)
