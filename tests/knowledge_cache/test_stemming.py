from __future__ import annotations

from knowledge_cache.stemming import stem_matches, stem_words


def test_stems_match_the_index_and_their_word_forms() -> None:
    assert stem_words(["pumping", "batteries", "greased"]) == [
        "pump",
        "batteri",
        "greas",
    ]
    assert stem_matches("pump", "pumps")
    assert stem_matches("batteri", "battery")
    assert not stem_matches("pump", "sump")
