from __future__ import annotations

import pytest

from knowledge_cache.code_keys import candidate_keys, code_key, code_keys_in_text


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
