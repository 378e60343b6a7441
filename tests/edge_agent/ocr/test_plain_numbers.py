"""Plain-number codes on a photo: under a cue, bare when listed, never a count."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge_agent.ocr import Box, PhotoReader, TextBox, extract_codes, group_lines
from edge_agent.ocr.extraction import LOW_CONFIDENCE, FoundCode
from edge_agent.ocr.plain_numbers import BARE_NOTE
from knowledge_cache import (
    CodeFormat,
    CodeKind,
    CuedFormats,
    KnowledgeStore,
    cued_formats_of,
)
from tests.edge_agent.ocr.samples import line_boxes
from tests.edge_agent.ocr.test_reader import MarkerEngine, photo

LISTED = frozenset({"2", "13.2", "17", "21.9", "23.3", "5298", "5299"})
FORMATS = [
    CodeFormat(CodeKind.FAULT_CODE, r"\d{1,2}\.\d{1,3}", "13.2"),
    CodeFormat(CodeKind.FAULT_CODE, r"\d{1,2}", "17"),
    CodeFormat(CodeKind.FAULT_CODE, r"\d{4}", "5298"),
]


def numbered(listed: frozenset[str] = LISTED) -> CuedFormats:
    return cued_formats_of(FORMATS, lambda value: value in listed)


def read(rows: list[str], cued: CuedFormats | None = None) -> list[FoundCode]:
    lines = group_lines(line_boxes(rows, score=0.97))
    return extract_codes(lines, [], cued or numbered())


def values(found: list[FoundCode]) -> list[str]:
    return [code.value for code in found if code.kind is CodeKind.FAULT_CODE]


@pytest.mark.parametrize(
    "rows",
    [
        ["ERROR CODE:", "23.3 LOW SIDED"],
        ["ERROR CODE", "23.3"],
        ["Fault", "23.3 LOW SIDED"],
        ["SUPERSIGMA2 TRACTION", "LAST ERROR:", "23.3 LOW SIDED"],
    ],
)
def test_a_number_opening_the_line_under_a_cue_is_read_as_cued(
    rows: list[str],
) -> None:
    (code,) = read(rows, numbered(frozenset()))

    assert code.value == "23.3"
    assert not code.low_confidence
    assert BARE_NOTE not in code.notes


@pytest.mark.parametrize(
    "rows",
    [
        ["ERROR CODE:", "BATT 23.3 V"],  # not opening its line
        ["ERROR CODE: 5298", "23.3 LOW SIDED"],  # the line above ends with a code
        ["ERROR CODE:", "23.3 hours"],  # a count word after it
    ],
)
def test_a_number_under_a_cue_that_does_not_open_its_line_or_counts_is_no_code(
    rows: list[str],
) -> None:
    assert "23.3" not in values(read(rows, numbered(frozenset())))


def test_a_cue_far_from_the_number_names_no_code() -> None:
    far_below = [
        TextBox("ERROR CODE:", Box.from_rect(10, 10, 220, 30), 0.97),
        TextBox("23.3 LOW SIDED", Box.from_rect(10, 400, 280, 30), 0.97),
    ]

    found = extract_codes(group_lines(far_below), [], numbered(frozenset()))
    assert values(found) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["SUPERSIGMA2 PUMP", "17", "BATT 48.2 V"], "17"),
        (["21.9 TRACTION MOTOR HOT"], "21.9"),
        (["- 13.2 -"], "13.2"),
    ],
)
def test_a_listed_number_alone_or_opening_a_short_reading_is_read_and_checked(
    rows: list[str], expected: str
) -> None:
    (code,) = read(rows)

    assert code.value == expected
    assert code.low_confidence
    assert code.confidence < LOW_CONFIDENCE
    assert BARE_NOTE in code.notes


@pytest.mark.parametrize(
    "rows",
    [
        ["18"],  # not listed
        ["21.8 TRACTION MOTOR HOT"],  # not listed
        ["17 C"],  # a unit, not a description
        ["17 RPM"],
        ["17:30"],  # a time
        ["17.5V"],  # glued to a unit
        ["2 FAULTS ACTIVE"],  # a count
        ["17 20 55"],  # among other numbers
        ["17 ONE TWO THREE FOUR FIVE SIX"],  # no short reading
        ["TEMP 17"],  # not opening its line, no cue
        ["l7"],  # a look-alike swapped: never bare
    ],
)
def test_a_bare_number_that_is_unlisted_or_a_reading_is_no_code(
    rows: list[str],
) -> None:
    assert values(read(rows)) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # listed 13.2 opens the list; 21.8 and 36 are not listed
        (
            [
                "ACTIVE FAULTS: 3",
                "13.2 TRACTION MOTOR HOT",
                "21.8 NO DESCRIPTION",
                "36 SENSOR FAILURE",
            ],
            ["13.2", "21.8", "36"],
        ),
        # the list read upwards from its one listed item
        (["21.8 CONTACTOR OPEN", "36 SENSOR SHORTED", "17 PUMP"], ["21.8", "36", "17"]),
        # a number under a cue opens the list
        (["ERROR CODE:", "23.1 LOW SIDED", "21.8 NO DESCRIPTION"], ["23.1", "21.8"]),
    ],
)
def test_the_items_of_a_list_of_codes_are_read_listed_or_not_and_checked(
    rows: list[str], expected: list[str]
) -> None:
    found = read(rows)

    assert values(found) == expected
    by_list = [code for code in found if code.value in ("21.8", "36", "17")]
    assert by_list
    assert all(BARE_NOTE in code.notes and code.low_confidence for code in by_list)


@pytest.mark.parametrize(
    "rows",
    [
        ["ERROR CODE: 5298", "23.1 LOW SIDED"],  # a cue names its one code
        ["13.2 TRACTION MOTOR HOT", "24 VOLTS SUPPLY"],  # a quantity
        ["13.2 TRACTION MOTOR HOT", "21.8 48.2 36.0"],  # a row of numbers
        ["13.2 TRACTION MOTOR HOT", "BATT 21.8 V"],  # not opening its line
        ["13.2 TRACTION MOTOR HOT", "CONTACTOR COIL", "21.8 NO DESCRIPTION"],
    ],
)
def test_a_number_beside_a_code_but_not_an_item_of_its_list_is_no_code(
    rows: list[str],
) -> None:
    assert "21.8" not in values(read(rows))
    assert "23.1" not in values(read(rows))
    assert "24" not in values(read(rows))


def test_a_line_starting_elsewhere_is_no_item_of_the_list() -> None:
    boxes = [
        TextBox("13.2 TRACTION MOTOR HOT", Box.from_rect(10, 10, 460, 30), 0.97),
        TextBox("21.8 NO DESCRIPTION", Box.from_rect(300, 50, 380, 30), 0.97),
    ]

    assert values(extract_codes(group_lines(boxes), [], numbered())) == ["13.2"]


@pytest.mark.parametrize(
    "rows",
    [
        ["ACTIVE FAULTS: 2"],
        ["ALARMS: 2"],
        ["ACTIVE ERRORS 2"],
        ["ACTIVE FAULTS:", "2"],
        ["Faults # 2"],
    ],
)
def test_the_one_small_number_after_a_plural_cue_is_a_count(
    rows: list[str],
) -> None:
    assert values(read(rows)) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["ALARM 2"], ["2"]),
        (["FAULT: 2"], ["2"]),
        (["alarms 5298 and 5299"], ["5298", "5299"]),
        (["FAULTS: 2, 17"], ["2", "17"]),
        (["alarms 5298"], ["5298"]),
        (["STATUS 2"], ["2"]),  # status is no plural
        (["ACTIVE FAULTS: 13.2"], ["13.2"]),  # a dotted code counts nothing
    ],
)
def test_a_singular_cue_a_list_or_a_large_number_still_names_codes(
    rows: list[str], expected: list[str]
) -> None:
    found = read(rows)

    assert values(found) == expected
    assert all(BARE_NOTE not in code.notes for code in found)


def test_the_reader_reads_a_bare_number_only_as_its_table_spells_it(
    tmp_path: Path,
) -> None:
    table = tmp_path / "kb"
    table.mkdir()
    (table / "faults.csv").write_text(
        "code,description\n2,Voltage low\n2.1,Battery voltage low\n"
        "13.2,Pump overload\n17,Contactor welded\n",
        "utf-8",
    )
    rows = [
        "PALLET TRUCK PT20",
        "ACTIVE FAULTS: 2",
        "17",
        "21 WELDED CONTACTOR",  # 2.1 is listed, 21 is not: an item of 17's list
        "ERROR CODE:",
        "13.2 PUMP OVERLOAD",
    ]
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as store:
        store.ingest([table])
        result = PhotoReader(MarkerEngine(rows), store).read(photo(tmp_path))

    assert [(c.value, c.known, c.low_confidence) for c in result.codes] == [
        ("17", True, True),
        ("21", False, True),
        ("13.2", True, False),
    ]
