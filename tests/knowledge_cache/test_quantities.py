"""A count or a unit after a number makes it a quantity, not a code."""

from __future__ import annotations

import pytest

from knowledge_cache.quantities import is_quantity


@pytest.mark.parametrize(
    "text",
    ["12 volts", "12 V", "3 times", "5216 hours", "37 degrees", "40%", "12 a", "8 bar"],
)
def test_a_count_or_unit_after_the_number_is_a_quantity(text: str) -> None:
    end = text.index(" ") if " " in text else len(text) - 1
    assert is_quantity(text, end)


@pytest.mark.parametrize(
    "text", ["37 on the display", "23 a few times ago", "12 again", "5298"]
)
def test_other_words_after_the_number_are_not(text: str) -> None:
    end = text.index(" ") if " " in text else len(text)
    assert not is_quantity(text, end)
