from __future__ import annotations

import sqlite3

from knowledge_cache import KnowledgeStore
from knowledge_cache.db import open_db
from knowledge_cache.query_plan import (
    FrequencyCache,
    PlanStep,
    Term,
    document_frequencies,
    plan_expressions,
)


def test_cheap_queries_are_a_plain_or() -> None:
    terms = [Term('"seal"', 10), Term('"leak"', 20)]
    assert plan_expressions(terms, budget=100) == [PlanStep('"seal" OR "leak"')]


def test_costly_queries_let_only_rare_terms_select_rows() -> None:
    terms = [Term('"pump"', 900), Term('"impeller"', 40), Term('"wear"', 50)]
    assert plan_expressions(terms, budget=100) == [
        PlanStep('("impeller" OR "wear") AND ("pump" OR "impeller" OR "wear")')
    ]


def test_when_every_term_is_common_rows_with_all_terms_come_first() -> None:
    terms = [Term('"pump"', 900), Term('"oil"', 700)]
    assert plan_expressions(terms, budget=100) == [
        PlanStep('"pump" AND "oil"', 100),
        PlanStep('("oil") AND ("pump" OR "oil")', 100),
    ]


def test_no_terms_no_expression() -> None:
    assert plan_expressions([]) == []


def test_frequencies_come_from_the_index_by_stem(kb_folder) -> None:
    db = open_db(sqlite3.connect(":memory:"))
    KnowledgeStore(db).ingest([kb_folder])
    counts = document_frequencies(db, ["bearings", "greased", "zzzz"])
    assert counts["bearings"] >= 1
    assert counts["greased"] >= 1
    assert counts["zzzz"] == 0


def test_planned_search_finds_the_same_best_hit(loaded_store) -> None:
    hit = loaded_store.search("how often should the bearings be greased")[0]
    assert hit.chunk.section.endswith("Noisy bearings")


def test_cached_frequencies_are_dropped_when_the_kb_changes(
    kb_folder, tmp_path
) -> None:
    db = open_db(sqlite3.connect(":memory:"))
    store = KnowledgeStore(db)
    store.ingest([kb_folder])
    cache = FrequencyCache()
    before = document_frequencies(db, ["bearings"], cache)["bearings"]
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "more.md").write_text("# More\n\nBearings, bearings.\n", "utf-8")
    store.ingest([extra])
    assert document_frequencies(db, ["bearings"], cache)["bearings"] == before + 1


def test_a_windowed_step_ranks_only_the_newest_matches(kb_folder) -> None:
    from knowledge_cache.search import ranked_rows

    db = open_db(sqlite3.connect(":memory:"))
    KnowledgeStore(db).ingest([kb_folder])
    everything = ranked_rows(db, [PlanStep('"pump"')], 10)
    newest = ranked_rows(db, [PlanStep('"pump"', window=2)], 10)
    assert len(everything) > 2
    assert {rowid for rowid, _ in newest} == set(
        sorted(rowid for rowid, _ in everything)[-2:]
    )
