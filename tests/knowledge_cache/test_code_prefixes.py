"""Codes typed without their table's literal prefix (``06020000`` for
``0x06020000``): read only when listed, never a count, year or quantity."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_cache import KnowledgeStore
from knowledge_cache.code_prefixes import literal_prefix

HEX_TABLE = """code,description
0x05040000,SDO protocol timed out
0x06020000,Object does not exist in the object dictionary
0x06090011,Sub-index does not exist
0x2310,Continuous over-current
0x8611,Following error
0x2010,Current at the device input
"""


@pytest.fixture
def hex_store(store: KnowledgeStore, tmp_path: Path) -> KnowledgeStore:
    """A KB with one learned hex table and no kb.toml, as a customer brings it."""
    (tmp_path / "faults.csv").write_text(HEX_TABLE, encoding="utf-8")
    report = store.ingest([tmp_path])
    assert not report.failed, report.failed
    return store


@pytest.mark.parametrize(
    ("codes", "prefix"),
    [
        (["0x05030000", "0x06090011", "0x2310"], "0X"),
        (["F-1203", "F-0401"], "F-"),
        (["Err 1", "Information 65"], ""),
        (["5298", "5302"], ""),
        (["E42"], ""),
        (["AB", "AB1"], ""),
    ],
)
def test_a_literal_prefix_is_the_shared_start_up_to_its_last_letter(
    codes: list[str], prefix: str
) -> None:
    assert literal_prefix(codes) == prefix


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("abort 06020000", "0x06020000"),
        ("emcy 8611 on the gantry", "0x8611"),
        ("drive shows 2310 after the brake", "0x2310"),
    ],
)
def test_a_listed_code_typed_without_its_prefix_is_read_with_it(
    hex_store: KnowledgeStore, question: str, code: str
) -> None:
    (reading,) = hex_store.read_codes(question)
    assert [entry.code for entry in reading.entries] == [code]
    assert "put back '0X'" in reading.code.corrected


@pytest.mark.parametrize(
    "question",
    [
        "06030000 on the drive",  # not listed: an ordinary number
        "2310 hours on the counter",  # a count
        "motor at 8611 rpm",  # a quantity
        "fitted in 2010",  # a year, though 0x2010 is listed
        "node 23 is down",  # too short to be a code
    ],
)
def test_numbers_the_table_does_not_list_or_that_count_are_never_codes(
    hex_store: KnowledgeStore, question: str
) -> None:
    assert not [r for r in hex_store.read_codes(question) if r.code.prefix]


def test_a_code_typed_without_its_prefix_is_found_first_by_search(
    hex_store: KnowledgeStore,
) -> None:
    hits = hex_store.search("abort 06020000")
    assert hits[0].match == "code"
    assert hits[0].chunk.text.startswith("0x06020000:")


def test_a_declared_format_gets_no_prefix_reading(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    (tmp_path / "kb.toml").write_text(
        "[[code_formats]]\nkind = \"fault_code\"\npattern = '0X\\d{4}'\n"
        'example = "0X2310"\n',
        encoding="utf-8",
    )
    (tmp_path / "faults.csv").write_text(
        "code,description\n0X2310,Over-current\n0X8611,Following error\n",
        encoding="utf-8",
    )
    assert not store.ingest([tmp_path]).failed
    assert [f.pattern for f in store.code_formats()] == [r"0X\d{4}"]
    assert store.read_codes("2310 on the drive") == []


@pytest.mark.parametrize(
    "question", ["fitted in 2010", "pressure reads 1500 today", "3500 on the meter"]
)
def test_ordinary_numbers_never_read_as_hex_codes_with_a_swapped_letter(
    store: KnowledgeStore, tmp_path: Path, question: str
) -> None:
    # 0xFF00 beside 0x8110 makes the letters a class; the shared 0 stays
    # literal, so 2010 is never 2O10 nor 1500 1S00.
    (tmp_path / "emcy.csv").write_text(
        "code,description\n0x8110,CAN overrun\n0x2310,Over-current\n"
        "0xFF00,Device specific\n0x3210,DC link over-voltage\n0xF000,Additional\n",
        encoding="utf-8",
    )
    assert not store.ingest([tmp_path]).failed
    assert store.read_codes(question) == []
