"""An unlisted number opening a question, read as a code of a table of
plain numbers only inside that table's own numbering."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_cache import KnowledgeStore

NUMBERED_TABLE = """code,description
5201,Brine inlet temperature too low
5203,Brine outlet temperature too low
5298,Compressor overheated
5302,Hot gas temperature too high
5316,High pressure switch open
227,No ionization message after ignition
"""


@pytest.fixture
def numbered_store(store: KnowledgeStore, tmp_path: Path) -> KnowledgeStore:
    """A KB with one table of plain-number alarm codes and no kb.toml."""
    (tmp_path / "alarms.csv").write_text(NUMBERED_TABLE, encoding="utf-8")
    assert not store.ingest([tmp_path]).failed
    return store


@pytest.mark.parametrize(
    "question",
    ["5216 on the heat pump", "5300 showing", "  5399 after a restart"],
)
def test_an_unlisted_number_opening_a_question_in_the_tables_numbering_is_absent(
    numbered_store: KnowledgeStore, question: str
) -> None:
    (reading,) = numbered_store.read_codes(question)
    assert reading.code.value == question.split()[0]
    assert not reading.known


def test_a_listed_number_opening_a_question_is_read_once(
    numbered_store: KnowledgeStore,
) -> None:
    (reading,) = numbered_store.read_codes("5298 on the heat pump")
    assert [entry.code for entry in reading.entries] == ["5298"]


@pytest.mark.parametrize(
    "question",
    [
        "9216 on the heat pump",  # no listed code in its hundred
        "5216 hours on the counter",  # a count
        "5216 rpm on the fan",  # a quantity
        "2019 it stopped",  # a year
        "5216.5 on the gauge",  # a decimal
        "52 on the display",  # no listed code of two digits in its ten
        "the pressure is 5216",  # not opening the question
        "5216-3 on the label",  # part of a longer number
    ],
)
def test_other_numbers_are_never_read_as_codes(
    numbered_store: KnowledgeStore, question: str
) -> None:
    assert numbered_store.read_codes(question) == []


GROUPED_TABLE = """code,description
18,High side short circuit
18.1,High side short circuit: first bridge
18.2,High side short circuit: second bridge
7.12,Adjustment out of range: brake delay
7.39,Adjustment out of range: display master
25,Line contactor fault
25.1,Line contactor fault: could not discharge
31.1,Motor fault: wrong poles
"""


@pytest.fixture
def grouped_store(store: KnowledgeStore, tmp_path: Path) -> KnowledgeStore:
    """A KB with a table of faults and their sub-codes (``18.2``), no kb.toml."""
    (tmp_path / "faults.csv").write_text(GROUPED_TABLE, encoding="utf-8")
    assert not store.ingest([tmp_path]).failed
    return store


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("18.4 on the traction controller", "18.4"),
        ("what is 7.15", "7.15"),
        ("Meaning of 7.40?", "7.40"),
        ("25.4 after a battery change", "25.4"),  # fault 25 and 25.1 listed
    ],
)
def test_an_unlisted_sub_code_of_a_numbered_group_is_absent(
    grouped_store: KnowledgeStore, question: str, code: str
) -> None:
    (reading,) = grouped_store.read_codes(question)
    assert reading.code.value == code
    assert not reading.known


@pytest.mark.parametrize(
    "question",
    [
        "31.2 after a battery change",  # no listed code in group 31
        "7.4.1 on the display",  # part of a longer number
        "18.4 volts on the meter",  # a quantity
        "what is the 18.4",  # not right after the question's opening
        "there is 18.4 on it",  # not opening the question
    ],
)
def test_a_number_in_groups_outside_a_numbered_group_is_not_read(
    grouped_store: KnowledgeStore, question: str
) -> None:
    assert grouped_store.read_codes(question) == []


TENS_TABLE = """code,description
2,Battery low
3,Battery high
3.1,Battery high: during regeneration
3.5,Battery high: at power up
33,Pump motor open
36,Controller temperature over 100 degree
39,Generic time out
"""


@pytest.fixture
def tens_store(store: KnowledgeStore, tmp_path: Path) -> KnowledgeStore:
    """A KB of one- and two-digit faults with sub-codes, no kb.toml."""
    (tmp_path / "faults.csv").write_text(TENS_TABLE, encoding="utf-8")
    assert not store.ingest([tmp_path]).failed
    return store


@pytest.mark.parametrize(
    "question",
    ["37 on the display", "what does 37 mean", "37", "37 keeps coming back"],
)
def test_an_unlisted_two_digit_number_in_a_ten_the_table_numbers_is_absent(
    tens_store: KnowledgeStore, question: str
) -> None:
    (reading,) = tens_store.read_codes(question)
    assert (reading.code.value, reading.known) == ("37", False)


@pytest.mark.parametrize(
    "question",
    [
        "17 on the display",  # nothing listed from 10 to 19
        "37 trucks in the yard",  # a count of things
        "38 of the units tripped",  # a count of things
        "37 degrees in the cab",  # a quantity
        "7 on the display",  # one digit
        "34.l after charging",  # part of a longer token (a slip of 34.1)
    ],
)
def test_other_two_digit_numbers_are_not_read(
    tens_store: KnowledgeStore, question: str
) -> None:
    assert tens_store.read_codes(question) == []


def test_sub_codes_spelled_with_a_dot_are_not_neighbours_of_a_two_digit_number(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    (tmp_path / "faults.csv").write_text(
        "code,description\n3,Battery high\n3.1,Battery high: a\n3.7,Battery high: b\n"
        "3.8,Battery high: c\n",
        encoding="utf-8",
    )
    assert not store.ingest([tmp_path]).failed

    assert store.read_codes("34 on the display") == []
