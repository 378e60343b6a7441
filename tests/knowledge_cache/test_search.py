from __future__ import annotations

import pytest

from knowledge_cache import KnowledgeStore, NotFound


@pytest.mark.parametrize("spelling", ["E-42", "E42", "e 42", "e-42", "E.42"])
def test_fault_code_in_any_spelling_finds_its_table_row_first(
    loaded_store: KnowledgeStore, spelling: str
) -> None:
    first = loaded_store.search(spelling)[0]
    assert first.match == "code"
    assert first.chunk.chunk_id == "faults.csv#1"


@pytest.mark.parametrize("spelling", ["4471-A20-339", "4471A20339", "4471 a20 339"])
def test_part_number_in_any_spelling_finds_its_catalogue_row_first(
    loaded_store: KnowledgeStore, spelling: str
) -> None:
    first = loaded_store.search(spelling)[0]
    assert first.chunk.document_id == "parts.csv"
    assert first.chunk.text.startswith("4471-A20-339: Impeller 265 mm")


def test_code_search_also_returns_manual_sections_that_mention_it(loaded_store):
    hits = loaded_store.search("what does E-42 mean", limit=5)
    documents = [hit.chunk.document_id for hit in hits]
    assert documents[0] == "faults.csv"
    assert "pump-manual.md" in documents


def test_free_text_finds_the_manual_section(loaded_store: KnowledgeStore) -> None:
    hit = loaded_store.search("how often should I grease the bearings")[0]
    assert hit.chunk.section == "Troubleshooting > Noisy bearings"
    assert hit.match == "text"
    assert "[grease]" in hit.snippet.lower() or "[bearings]" in hit.snippet.lower()


def test_stemming_matches_other_word_forms(loaded_store: KnowledgeStore) -> None:
    assert loaded_store.search("greasing")[0].chunk.section.endswith("Noisy bearings")


def test_title_and_section_matches_outrank_body_matches(
    store: KnowledgeStore, tmp_path
):
    (tmp_path / "a.md").write_text(
        "# Alpha\n\n## Impeller\n\nFit it carefully.\n", encoding="utf-8"
    )
    (tmp_path / "b.md").write_text(
        "# Beta\n\n## Misc\n\nThe impeller is mentioned in passing here.\n",
        encoding="utf-8",
    )
    store.ingest([tmp_path])
    assert store.search("impeller")[0].chunk.document_id == "a.md"


@pytest.mark.parametrize(
    "query",
    [
        'E-42" OR *',
        "NEAR(pump valve, 2)",
        "title:pump AND -x",
        "bearings^ {body} : (",
        "'; DROP TABLE chunks; --",
        '""""',
    ],
)
def test_user_text_is_literal_never_fts_syntax(loaded_store, query: str) -> None:
    loaded_store.search(query)  # must not raise
    assert loaded_store.stats().chunks > 0


def test_quotes_in_the_query_are_treated_as_words(loaded_store) -> None:
    hits = loaded_store.search('"noisy" bearings')
    assert hits[0].chunk.section.endswith("Noisy bearings")


@pytest.mark.parametrize("query", ["", "   ", "?!", "the and of"])
def test_queries_with_nothing_to_search_return_nothing_or_stop_words(
    loaded_store, query: str
) -> None:
    hits = loaded_store.search(query)
    assert hits == [] or all(h.match == "text" for h in hits)


def test_limit_bounds_the_results(loaded_store: KnowledgeStore) -> None:
    assert len(loaded_store.search("pump", limit=1)) == 1


def test_lookup_code_returns_the_table_entry_with_its_attributes(loaded_store):
    (entry,) = loaded_store.lookup_code("part 4471 A20 339 please")
    assert entry.description == "Impeller 265 mm"
    assert entry.attributes["unit_price"] == "742.50"
    assert loaded_store.chunk(entry.chunk_id).document_id == "parts.csv"


def test_lookup_of_an_absent_code_finds_nothing(loaded_store) -> None:
    assert loaded_store.lookup_code("E-99") == []


def test_a_listed_code_inside_an_unlisted_part_number_is_not_looked_up(
    loaded_store,
) -> None:
    # The part number the catalogue lacks is no fault E-42.
    assert loaded_store.lookup_code("4471-E42-999") == []
    found = loaded_store.lookup_code("E-42 then 4471-E42-999 and 4471-A20-339")
    assert [e.code for e in found] == ["E-42", "4471-A20-339"]


def test_unknown_chunk_id_raises_not_found(loaded_store) -> None:
    with pytest.raises(NotFound):
        loaded_store.chunk("nowhere.md#1")


def test_a_code_inside_a_longer_known_code_is_not_a_match(store, tmp_path) -> None:
    (tmp_path / "faults.csv").write_text("code,description\nE-20,Low flow\n", "utf-8")
    (tmp_path / "parts.csv").write_text(
        "part_number,description\n6630-E20-403,Fuel filter\n", "utf-8"
    )
    store.ingest([tmp_path])
    assert [e.code for e in store.lookup_code("6630-E20-403")] == ["6630-E20-403"]
    assert [e.code for e in store.lookup_code("E-20 and 6630-E20-403")] == [
        "E-20",
        "6630-E20-403",
    ]
    hits = store.search("6630-E20-403")
    assert [h.chunk.document_id for h in hits if h.match == "code"] == ["parts.csv"]
