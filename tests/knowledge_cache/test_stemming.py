from __future__ import annotations

from knowledge_cache.concepts import coverage_share
from knowledge_cache.models import Chunk
from knowledge_cache.stemming import stem_matches, stem_words
from knowledge_cache.understanding import Understanding


def test_stems_match_the_index_and_their_word_forms() -> None:
    assert stem_words(["pumping", "batteries", "greased"]) == [
        "pump",
        "batteri",
        "greas",
    ]
    assert stem_matches("pump", "pumps")
    assert stem_matches("batteri", "battery")
    assert not stem_matches("pump", "sump")
    assert stem_matches("prime", "priming") and stem_matches("remov", "removing")
    assert not stem_matches("prime", "primary")


def test_a_chunk_holds_a_word_whose_forms_drop_the_stems_final_e() -> None:
    chunk = Chunk("m.md#1", "m.md", "Manual", "3.2 Priming", None, "Fill the pump.")
    assert coverage_share(Understanding(("prime", "pump")), chunk) == 1.0
    assert coverage_share(Understanding(("primary", "pump")), chunk) == 0.5
