"""Codes from text lines: formats, labels, look-alike characters, confidence."""

from __future__ import annotations

import pytest

from edge_agent.ocr import Box, FormatSet, TextBox, extract_codes, group_lines
from edge_agent.ocr.extraction import LOW_CONFIDENCE, FoundCode
from knowledge_cache import CodeFormat, CodeKind, cued_formats_of
from tests.edge_agent.ocr.samples import line_boxes


def codes_in(
    rows: list[str], formats: list[CodeFormat], score: float = 0.97
) -> list[FoundCode]:
    return extract_codes(group_lines(line_boxes(rows, score=score)), formats)


def values(found: list[FoundCode]) -> list[tuple[str, str]]:
    return [(code.kind.value, code.value) for code in found]


def test_every_declared_kind_is_found_in_reading_order(
    demo_formats: list[CodeFormat],
) -> None:
    found = codes_in(
        [
            "P/N 4471-A20-339",
            "S/N HFP-204518  MODEL HP-300",
            "FAULT E-42 MOTOR OVERLOAD",
            "C-117  G-305",
        ],
        demo_formats,
    )

    assert values(found) == [
        ("part_number", "4471-A20-339"),
        ("serial_number", "HFP-204518"),
        ("model_number", "HP-300"),
        ("fault_code", "E-42"),
        ("fault_code", "C-117"),
        ("fault_code", "G-305"),
    ]
    assert all(code.confidence == pytest.approx(0.97) for code in found)
    assert [code.label for code in found[:3]] == ["P/N", "S/N", "MODEL"]


@pytest.mark.parametrize(
    ("row", "expected", "fixes"),
    [
        ("E-4B", "E-48", 1),
        ("HFP-2O4518", "HFP-204518", 1),
        ("447I-A2O-339", "4471-A20-339", 2),
        ("4471-820-339", "4471-B20-339", 1),
        ("C-1l7", "C-117", 1),
        ("AC-7S", "AC-75", 1),
    ],
)
def test_look_alikes_are_swapped_only_where_the_format_demands(
    demo_formats: list[CodeFormat], row: str, expected: str, fixes: int
) -> None:
    (code,) = codes_in([row], demo_formats)

    assert code.value == expected
    assert code.raw == row
    assert len([n for n in code.notes if n.startswith("read '")]) == fixes
    assert code.confidence < 0.97


def test_a_letter_that_a_letter_position_allows_is_kept(
    demo_formats: list[CodeFormat],
) -> None:
    # B, S and Z are letters in part groups: nothing to swap in 4471-B31-062.
    found = codes_in(["4471-B31-062  5208-S17-331  6630-Z10-100"], demo_formats)

    assert values(found) == [
        ("part_number", "4471-B31-062"),
        ("part_number", "5208-S17-331"),
        ("part_number", "6630-Z10-100"),
    ]
    assert all(not code.notes for code in found)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("MODELAC-55 YEAR 2025", "AC-55"),
        ("FORHP-350", "HP-350"),
        ("C-478NODESCRIPTION", "C-478"),
        ("S/NHFP-204518", "HFP-204518"),
    ],
)
def test_codes_glued_to_words_are_found(
    demo_formats: list[CodeFormat], row: str, expected: str
) -> None:
    # Recognition drops narrow spaces: the code's own hyphen still marks it.
    assert [code.value for code in codes_in([row], demo_formats)] == [expected]


def test_an_unlisted_fault_code_is_reported_as_read(
    demo_formats: list[CodeFormat],
) -> None:
    # E-48 is well formed but absent from the demo table: never moved to E-43.
    (code,) = codes_in(["E-48 UNKNOWN"], demo_formats)

    assert (code.value, code.notes) == ("E-48", ())


def test_missing_or_spaced_separators_are_put_back(
    demo_formats: list[CodeFormat],
) -> None:
    found = codes_in(["E 42", "4471 A20 339", "HFP204518"], demo_formats)

    assert values(found) == [
        ("fault_code", "E-42"),
        ("part_number", "4471-A20-339"),
        ("serial_number", "HFP-204518"),
    ]
    assert all("separators" in code.notes[0] for code in found)


@pytest.mark.parametrize(
    "row",
    [
        "MFD 2023-04-11",
        "2023-05-24 02:27 RUN 4650 H",
        "LOT 2311-07  QTY 4",
        "VIN WP0ZZZ99ZTS392124",
        "SERVICE +44 161 496 0732",
        "230/400 V 50 Hz 7.5 kW IP55",
        "EOS ESS COS GIS",
        "SCAN TOOL V3.3",
        "CODE 42  SIZE 42  PAGE 12  CODE-42",
        "PT100 IP55 RUN4992H",
    ],
)
def test_distractors_are_not_codes(demo_formats: list[CodeFormat], row: str) -> None:
    assert codes_in([row], demo_formats) == []


def test_a_label_alone_at_the_end_of_a_line_names_the_next_line(
    demo_formats: list[CodeFormat],
) -> None:
    found = codes_in(
        ["SERIAL NO.", "AMX-117429", "PART NUMBER", "5208-B30-400"], demo_formats
    )

    assert [(c.value, c.label) for c in found] == [
        ("AMX-117429", "SERIAL NO"),
        ("5208-B30-400", "PART NUMBER"),
    ]


def test_a_label_naming_another_kind_lowers_confidence(
    demo_formats: list[CodeFormat],
) -> None:
    (code,) = codes_in(["S/N 4471-A20-339"], demo_formats)

    assert code.kind is CodeKind.PART_NUMBER
    assert code.confidence < 0.97 * 0.9
    assert "names another kind" in code.notes[-1]


def test_a_labelled_value_outside_every_format_is_shown_for_checking(
    demo_formats: list[CodeFormat],
) -> None:
    (code,) = codes_in(["S/N: 88231-7740"], demo_formats)

    assert (code.kind, code.value, code.matches_format) == (
        CodeKind.SERIAL_NUMBER,
        "88231-7740",
        False,
    )
    assert code.low_confidence


def test_glued_and_misread_labels_still_count(demo_formats: list[CodeFormat]) -> None:
    found = codes_in(
        [
            "P/N4471-A20-339",
            "5/N PGD-300411",
            "SER NO: AMX-118204",
            "PART NO.4471-G12-021 5208-F50-301",
        ],
        demo_formats,
    )

    assert [(c.value, c.label) for c in found] == [
        ("4471-A20-339", "P/N"),
        ("PGD-300411", "S/N"),
        ("AMX-118204", "SER NO"),
        ("4471-G12-021", "PART NO"),
        ("5208-F50-301", ""),  # the label names the first value only
    ]


def test_a_code_read_twice_is_reported_once_with_the_better_reading(
    demo_formats: list[CodeFormat],
) -> None:
    boxes = line_boxes(["E-42 MOTOR"], score=0.7) + [
        TextBox("E-42", Box.from_rect(10, 90, 80, 30), 0.95)
    ]
    found = extract_codes(group_lines(boxes), demo_formats)

    assert values(found) == [("fault_code", "E-42")]
    assert found[0].confidence == pytest.approx(0.95)


def test_low_recognition_scores_mark_codes_for_review(
    demo_formats: list[CodeFormat],
) -> None:
    (code,) = codes_in(["E-42"], demo_formats, score=0.6)

    assert code.confidence == pytest.approx(0.6)
    assert code.confidence < LOW_CONFIDENCE and code.low_confidence


def test_the_code_box_covers_its_part_of_the_line(
    demo_formats: list[CodeFormat],
) -> None:
    (code,) = codes_in(["FAULT E-42 MOTOR"], demo_formats)

    # 20 pixels per character from x = 10: "E-42" spans characters 6 to 10.
    assert code.box.left == pytest.approx(130)
    assert code.box.right == pytest.approx(210)
    # The whole line it was read from is kept too: x 10..330, y 10..40.
    assert code.line_box is not None
    assert code.line_box.as_rect() == (10, 10, 320, 30)


def test_no_declared_formats_means_no_codes() -> None:
    assert codes_in(["E-42"], []) == []
    assert not FormatSet([])


def test_formats_are_read_from_the_kb_not_built_in() -> None:
    formats = [CodeFormat(CodeKind.FAULT_CODE, r"F\d{4}")]

    assert values(codes_in(["F1234 E-42"], formats)) == [("fault_code", "F1234")]


@pytest.mark.parametrize(
    ("row", "value"),
    [
        ("P/N 6ES7 214-1AG40-0XB0", "6ES7 214-1AG40-0XB0"),  # a PLC order number
        ("S/N: SN12AB34CD56", "SN12AB34CD56"),  # twelve characters
        ("PART NO. 3RT2026-1BB40", "3RT2026-1BB40"),
        ("SER NO 21.0345.778  MFD 2024-05-01", "21.0345.778"),
        ("MODEL: XR-75 2024-05-01", "XR-75"),  # a date is no part of it
        ("SN: C7KPUKJXVB70 12 V DC 10 A", "C7KPUKJXVB70"),  # nor a quantity
    ],
)
def test_a_labelled_value_is_read_whole_in_makers_shapes(row: str, value: str) -> None:
    (code,) = codes_in([row], [CodeFormat(CodeKind.FAULT_CODE, r"E-\d{2}")])

    assert (code.value, code.matches_format) == (value, False)


def test_labelled_values_are_read_without_any_format() -> None:
    found = codes_in(["S/N 88231-7740", "E-42 MOTOR"], [])

    assert [(c.kind, c.value) for c in found] == [
        (CodeKind.SERIAL_NUMBER, "88231-7740")
    ]


@pytest.mark.parametrize(
    "row",
    ["4471-E42-999", "SN X1234567", "ABCD1234", "LOT A1234B"],
)
def test_a_code_shaped_piece_of_a_longer_token_is_no_code(row: str) -> None:
    formats = [CodeFormat(CodeKind.FAULT_CODE, r"(?:E-\d{2}|[A-Z]\d{4})")]

    found = codes_in([row], formats)
    assert [c for c in found if c.kind is CodeKind.FAULT_CODE] == []


NUMBERED = cued_formats_of([CodeFormat(CodeKind.FAULT_CODE, r"\d{3,4}", "5298")])


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["ALARM 5298", "Outdoor temp 12"], ["5298"]),
        (["Error code: 412", "2024-05-01 14:30"], ["412"]),
        (["Alarms 5298 and 5299"], ["5298", "5299"]),
        (["Alarm 52O8"], ["5208"]),
    ],
)
def test_plain_number_codes_are_read_after_a_printed_code_cue(
    rows: list[str], expected: list[str]
) -> None:
    lines = group_lines(line_boxes(rows, score=0.97))
    found = extract_codes(lines, [], NUMBERED)

    assert [c.value for c in found] == expected


@pytest.mark.parametrize(
    "row", ["Flow 1250 l/h", "Runtime 4312 h", "1998 kPa", "S/N 88231-7740"]
)
def test_plain_numbers_without_a_cue_are_no_codes_on_a_photo(row: str) -> None:
    found = extract_codes(group_lines(line_boxes([row], score=0.97)), [], NUMBERED)

    assert all(c.kind is not CodeKind.FAULT_CODE for c in found)


HEX = [CodeFormat(CodeKind.FAULT_CODE, r"0X[0-9A-F]{4}", "0x8110")]


@pytest.mark.parametrize(
    "row",
    [
        "OBJ 0x6041",
        "DC BUS 330 V 0BJ 0x6041",  # a zero read for the O
        "INDEX: 0x1017",
        "SUBINDEX 0x1001",
        "PARAM 0x2000",
        "REG= 0x4001",
    ],
)
def test_a_value_named_as_an_object_register_or_parameter_is_no_code(
    row: str,
) -> None:
    assert codes_in([row], HEX) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["EMCY 0x8110 OBJ 0x6041"], ["0X8110"]),
        (["OBJ 0x6041", "FAULT 0x8130"], ["0X8130"]),
        (["NODE 12 0x2310"], ["0X2310"]),
    ],
)
def test_codes_beside_named_values_are_still_read(
    rows: list[str], expected: list[str]
) -> None:
    assert [c.value for c in codes_in(rows, HEX)] == expected
