"""Similarity of meaning with the real embedding model, offline."""

from __future__ import annotations

import socket
import sys

import pytest

from edge_agent.answer import similarity
from edge_agent.answer.similarity import meaning_similarity


def test_a_paraphrase_is_closer_than_an_unrelated_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the embedding model must load without a network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(similarity, "_MODEL", [])
    related, unrelated = meaning_similarity(
        "pump won't build pressure",
        [
            "Low discharge pressure: worn impeller or wear rings",
            "Report to the site supervisor and sign in before entering",
        ],
    )
    assert related > unrelated
    assert -1.0 <= unrelated <= 1.0 and -1.0 <= related <= 1.0


def test_without_the_package_ranking_goes_on_with_zeros(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "wordllama", None)  # import fails
    monkeypatch.setattr(similarity, "_MODEL", [])
    assert meaning_similarity("question", ["a", "b"]) == [0.0, 0.0]
    assert "ranking by words only" in caplog.text


def test_kept_vectors_give_the_same_figures_and_stay_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(similarity, "_VECTORS", type(similarity._VECTORS)())
    monkeypatch.setattr(similarity, "CACHED_TEXTS", 3)
    texts = ["Low discharge pressure", "Bearing temperature high", "Drive belt broken"]
    first = meaning_similarity("pump won't build pressure", texts)
    assert list(similarity._VECTORS) == texts
    again = meaning_similarity("pump won't build pressure", [texts[2], "Oil leak"])
    assert again[0] == pytest.approx(first[2], abs=1e-6)
    # The least recently compared text made room for the new one.
    assert list(similarity._VECTORS) == [texts[1], texts[2], "Oil leak"]
    alone = meaning_similarity("pump won't build pressure", [texts[0]])
    assert alone[0] == pytest.approx(first[0], abs=1e-6)
