"""Same text only when identical; related codes one number or word apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from knowledge_cache import CodeEntry, CodeKind
from knowledge_cache.namesakes import (
    RELATED_LIMIT,
    find_namesakes,
    normalised_text,
    one_apart,
)


def entry(code: str, text: str) -> CodeEntry:
    return CodeEntry(code, CodeKind.FAULT_CODE, text, f"t.csv#{code}", "t.csv", {})


def test_texts_differing_by_a_number_are_not_the_same_text() -> None:
    cylinders = [
        entry(f"P{300 + n}", f"Cylinder {n} misfire detected") for n in range(1, 13)
    ]
    namesakes = find_namesakes(cylinders[2], cylinders)
    assert namesakes.same_text == ()
    assert [e.code for e in namesakes.related] == ["P302", "P304", "P301"]
    assert len(namesakes.related) == RELATED_LIMIT


def test_case_and_spacing_alone_make_the_same_text() -> None:
    first = entry("E-1", "Motor overload trip")
    twin = entry("C-9", "motor   OVERLOAD trip ")
    assert [e.code for e in find_namesakes(first, [first, twin]).same_text] == ["C-9"]


def test_one_word_apart_is_related_two_words_are_not() -> None:
    assert one_apart("Inlet valve stuck open", "Outlet valve stuck open")
    assert not one_apart("Inlet valve stuck open", "Outlet valve stuck closed")
    assert not one_apart("Overload", "Underload")  # one word is the whole text
    assert not one_apart("Same text", "same  TEXT")


@given(st.text(max_size=40), st.text(max_size=40))
def test_same_text_and_related_never_overlap(text: str, other: str) -> None:
    first, second = entry("A1", text), entry("A2", other)
    namesakes = find_namesakes(first, [first, second])
    assert not (namesakes.same_text and namesakes.related)
    if namesakes.same_text:
        assert normalised_text(text) == normalised_text(other)
