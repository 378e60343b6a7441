"""Code formats learned from a code column: shapes, alphabets, looseness, and
the store using them wherever declared formats were used."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge_cache import CodeKind, KnowledgeStore, Snapshot, SnapshotFile
from knowledge_cache.format_learning import learn_formats
from knowledge_cache.format_matching import FormatSet

MIXED = ["E-42", "E-43", "C-120", "C-121", "G-305", "G-311", "E-10", "C-133"]


def patterns(values: list[str]) -> list[str]:
    return [f.format.pattern for f in learn_formats(values, CodeKind.FAULT_CODE, "t")]


def test_a_column_s_shape_keeps_the_letters_seen_and_the_digit_counts() -> None:
    assert patterns(MIXED) == [r"[CEG]-\d{2,3}"]


def test_a_column_with_several_shapes_gets_a_format_for_each() -> None:
    values = ["F0001", "F0002", "F1234", "Err 37", "Err 2", "Err 110", "AB-1"]
    assert patterns(values) == [r"F\d{4}", r"ERR \d{1,3}"]  # AB-1 is seen once


def test_a_few_prefix_words_are_kept_spelled_out() -> None:
    values = ["Err 2", "Err 17", "Err 119", "Information 65", "Information 66"]
    assert patterns(values) == [r"(?:INFORMATION|ERR) \d{1,3}"]


def test_letters_of_any_kind_before_a_spaced_number_are_loose() -> None:
    (learned,) = learn_formats(["AB 12", "CD 34", "EF 56"], CodeKind.FAULT_CODE, "t")
    assert "a word and a number" in learned.loose


def test_few_values_give_any_letter_not_the_few_seen() -> None:
    assert patterns(["SN12AB34", "SN98ZX76"]) == [r"SN\d{2}[A-Z]{2}\d{2}"]


def test_formats_that_would_match_words_or_numbers_are_loose() -> None:
    (digits,) = learn_formats(["2001", "2002", "3010"], CodeKind.FAULT_CODE, "t")
    assert "ordinary numbers" in digits.loose
    (letters,) = learn_formats(["ABC", "DEF"], CodeKind.FAULT_CODE, "t")
    assert "ordinary words" in letters.loose
    (long_digits,) = learn_formats(["102345", "998877"], CodeKind.PART_NUMBER, "t")
    assert long_digits.loose == ""


def test_a_shape_a_date_fits_with_one_look_alike_letter_is_loose() -> None:
    # 2024-05 read with its 5 as S fits the bearing shape 6205-2Z / 6205-1RSH.
    values = ["6205-1RSH", "6306-2Z", "6004-2RSL", "6210-1Z"]
    (learned,) = learn_formats(values, CodeKind.PART_NUMBER, "t")
    assert learned.format.pattern == r"\d{4}-\d[A-Z]{1,3}"
    assert "look-alike letter" in learned.loose
    # A digit every code shares stays literal, and the shape stays as loose.
    shared = ["6205-2RSH", "6306-2Z", "6004-2RSL", "6210-2Z"]
    (learned,) = learn_formats(shared, CodeKind.PART_NUMBER, "t")
    assert learned.format.pattern == r"\d{4}-2[A-Z]{1,3}"
    assert "look-alike letter" in learned.loose


def test_hex_codes_are_hex_digits_after_their_0x_mark() -> None:
    # The 0x is part of the spelling, so an ordinary number (1500, 2010)
    # never reads as one with a swapped letter; the digits after it are hex,
    # whether a code happens to hold a letter (0xFF00, 0x060A0023) or not.
    values = ["0x8110", "0x2310", "0xFF00", "0x3210"]
    (learned,) = learn_formats(values, CodeKind.FAULT_CODE, "t")
    assert learned.format.pattern == r"0X[0-9A-F]{4}"
    assert learned.loose == ""
    (hex8,) = learn_formats(["0x05030000", "0x06090011"], CodeKind.FAULT_CODE, "t")
    assert hex8.format.pattern == r"0X[0-9A-F]{8}"
    formats = FormatSet([hex8.format])
    for read in ("0X060A0023", "0x060a0023", "0X06O90011"):
        assert formats.match(read) is not None, read
    for number in ("1500", "2010", "05030000"):
        assert formats.match(number) is None, number


@given(
    st.lists(
        st.from_regex(r"[A-Z]{1,3}[-. /]?[0-9]{1,5}", fullmatch=True),
        min_size=2,
        max_size=30,
    )
)
def test_every_value_of_a_learned_shape_matches_its_format(values: list[str]) -> None:
    learned = learn_formats(values, CodeKind.FAULT_CODE, "t")
    covered = sum(f.count for f in learned)
    matching = [
        v
        for v in values
        if any(re.fullmatch(f.format.pattern, " ".join(v.split())) for f in learned)
    ]
    assert len(matching) >= covered


def customer_table(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    rows = "".join(
        f"F{n:04d},Inverter fault {n} on string {n % 4}\n" for n in range(1, 60)
    )
    (folder / "faults.csv").write_text("code,description\n" + rows, "utf-8")
    return folder


@pytest.fixture
def store() -> KnowledgeStore:
    """An empty KB in memory (real SQLite)."""
    return KnowledgeStore.open(sqlite3.connect(":memory:"))


def test_a_plain_csv_teaches_the_store_its_code_format(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    store.ingest([customer_table(tmp_path / "kb")])
    assert [f.pattern for f in store.code_formats()] == [r"F\d{4}"]
    (reading,) = store.read_codes("F0O12 on unit 3")  # a letter O for a zero
    assert reading.code.value == "F0012" and reading.known
    (absent,) = store.read_codes("F0099 keeps coming back")
    assert absent.code.value == "F0099" and not absent.known
    formats = store.stats().learned_formats
    assert formats[0].count == 59 and formats[0].format.example == "F0001"


def test_a_declaration_overrides_the_learned_formats_of_its_kind(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    folder = customer_table(tmp_path / "kb")
    (folder / "kb.toml").write_text(
        "[[code_formats]]\nkind = \"fault_code\"\npattern = 'F-?\\d{4}'\n"
        'example = "F-0001"\n',
        "utf-8",
    )
    store.ingest([folder])
    assert [f.pattern for f in store.code_formats()] == [r"F-?\d{4}"]


def test_a_manual_ingested_before_its_table_is_indexed_by_the_learned_format(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    manual = tmp_path / "manual.md"
    manual.write_text("# Fan\n\nOrder part 102345 for the fan.\n", "utf-8")
    store.ingest([manual])
    assert store.search("102 345") == []  # six digits are no code shape yet
    table = tmp_path / "kb"
    table.mkdir()
    rows = "".join(f"{100000 + n * 1111},Part {n}\n" for n in range(1, 40))
    (table / "parts.csv").write_text("part_number,description\n" + rows, "utf-8")
    store.ingest([table])
    assert [f.pattern for f in store.code_formats()] == [r"\d{6}"]
    assert [hit.chunk_id for hit in store.search("102 345")] == ["manual.md#1"]


def test_formats_follow_the_tables_a_snapshot_brings_and_removes(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    data = (customer_table(tmp_path / "kb") / "faults.csv").read_bytes()
    store.apply_snapshot(Snapshot(1, (SnapshotFile("faults.csv", data),)))
    assert [f.pattern for f in store.code_formats()] == [r"F\d{4}"]
    store.apply_snapshot(Snapshot(2, (), removed=("faults.csv",), base_version=1))
    assert store.code_formats() == []
