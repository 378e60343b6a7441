from __future__ import annotations

import pytest

from knowledge_cache.code_keys import (
    candidate_keys,
    code_key,
    code_keys_in_text,
    spelled_in,
)


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("E-42", "E42"),
        ("e42", "E42"),
        ("e 42", "E42"),
        ("E.42", "E42"),
        ("4471-A20-339", "4471A20339"),
        ("4471 a20 339", "4471A20339"),
        ("4471A20339", "4471A20339"),
    ],
)
def test_every_spelling_of_a_code_has_the_same_key(spelling: str, key: str) -> None:
    assert code_key(spelling) == key


def test_candidate_keys_join_separated_letter_and_digit_groups() -> None:
    candidates = candidate_keys("pump shows e 42 and needs 4471-A20-339")
    assert "E42" in candidates
    assert "4471A20339" in candidates
    assert all(any(ch.isdigit() for ch in key) for key in candidates)


def test_candidate_keys_of_plain_words_are_empty() -> None:
    assert candidate_keys("pump will not build pressure") == []


def test_keys_in_text_take_mixed_tokens_and_declared_all_digit_formats() -> None:
    import re

    all_digits = re.compile(r"(?<!\d)\d{3}-\d{3}(?!\d)")
    keys = code_keys_in_text(
        "Fault E-42; order 123-456 and torque to 25 Nm", [all_digits]
    )
    assert keys == {"E42", "123456"}


@pytest.mark.parametrize(
    ("code", "text", "spelled"),
    [
        ("2.1", "fault 2.1 on the truck", True),
        ("21", "fault 2.1 on the truck", False),
        ("21", "fault 21 on the truck", True),
        ("2.1", "fault 21 on the truck", False),
        ("2.1", "fault 13.2.1", False),
        ("E-1", "e1 again", True),
        ("E-1", "E 1 again", True),
        ("2.1", "2 1", True),
        ("21", "2 1", False),
    ],
)
def test_a_code_is_spelled_in_a_text_by_its_own_runs(
    code: str, text: str, spelled: bool
) -> None:
    assert spelled_in(code, text) is spelled


@pytest.mark.parametrize(
    ("query", "cut"),
    [
        ("O2 sensor reads low", "2"),
        ("12v battery flat", "12"),
        ("the 2nd time", "2"),
        ("18.4 volts", "18"),
    ],
)
def test_candidate_keys_never_cut_a_word_in_two(query: str, cut: str) -> None:
    assert cut not in candidate_keys(query)
    assert candidate_keys(query)  # the whole word is still a candidate


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("it's showing 12 volts", []),
        ("tripped 3 times since", []),
        ("36 degrees in the cab and fault 36", ["36"]),
        ("E 42 volts", ["E42"]),
    ],
)
def test_a_plain_number_a_count_or_unit_follows_is_no_candidate(
    query: str, kept: list[str]
) -> None:
    assert [
        key for key in candidate_keys(query) if key in {"12", "3", "36", "E42"}
    ] == kept
