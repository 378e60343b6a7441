"""Boxes grouped into lines in reading order, and boxes themselves."""

from __future__ import annotations

import math

import pytest

from edge_agent.ocr import Box, TextBox, group_lines
from edge_agent.ocr.lines import TextLine


def word(
    text: str, x: float, y: float, *, score: float = 0.9, h: float = 20
) -> TextBox:
    return TextBox(text, Box.from_rect(x, y, 12 * len(text), h), score)


def turned(box: TextBox, degrees: float, centre: tuple[float, float]) -> TextBox:
    rad = math.radians(degrees)
    cx, cy = centre

    def turn(p: tuple[float, float]) -> tuple[float, float]:
        x, y = p[0] - cx, p[1] - cy
        return cx + x * math.cos(rad) - y * math.sin(rad), cy + x * math.sin(
            rad
        ) + y * math.cos(rad)

    return TextBox(box.text, box.box.mapped(turn), box.score)


def texts(lines: list[TextLine]) -> list[str]:
    return [line.text for line in lines]


def test_words_in_any_order_come_out_as_lines_top_to_bottom() -> None:
    words = [
        word("MOTOR", 120, 52),
        word("E-42", 60, 50),
        word("P/N", 10, 10),
        word("4471-A20-339", 60, 12),
        word("FAULT", 10, 48),
    ]

    assert texts(group_lines(words)) == ["P/N 4471-A20-339", "FAULT E-42 MOTOR"]


def test_a_tilted_photo_keeps_its_lines() -> None:
    words = [
        word("P/N", 10, 10),
        word("4471-A20-339", 60, 10),
        word("S/N", 10, 40),
        word("HFP-204518", 60, 40),
    ]
    tilted = [turned(w, 12, (0, 0)) for w in words]

    assert texts(group_lines(tilted)) == ["P/N 4471-A20-339", "S/N HFP-204518"]


def test_an_upside_down_reading_is_ordered_along_its_own_direction() -> None:
    words = [word("S/N", 10, 10), word("HFP-204518", 60, 10), word("MODEL", 10, 40)]
    upside_down = [turned(w, 180, (200, 100)) for w in words]

    assert texts(group_lines(upside_down)) == ["S/N HFP-204518", "MODEL"]


def test_a_wide_gap_splits_two_items_side_by_side() -> None:
    words = [
        word("P/N", 10, 10),
        word("4471-A20-339", 60, 10),
        word("S/N", 600, 12),
        word("AMX-117429", 650, 12),
    ]

    assert texts(group_lines(words)) == ["P/N 4471-A20-339", "S/N AMX-117429"]


def test_empty_text_is_dropped_and_nothing_gives_no_lines() -> None:
    assert group_lines([]) == []
    assert group_lines([word("  ", 0, 0)]) == []


def test_a_line_maps_text_offsets_to_boxes_and_scores() -> None:
    (line,) = group_lines(
        [word("FAULT", 0, 0, score=0.9), word("E-42", 80, 0, score=0.6)]
    )

    assert line.text == "FAULT E-42"
    assert line.score_for(6, 10) == 0.6
    assert line.score_for(0, 5) == 0.9
    part = line.box_for(6, 8)  # "E-" is the first half of the second word
    assert part.left == pytest.approx(80) and part.right == pytest.approx(104)
    assert line.score == pytest.approx((0.9 * 5 + 0.6 * 4) / 9)


def test_box_geometry() -> None:
    box = Box.from_rect(10, 20, 100, 30)

    assert box.as_rect() == (10, 20, 100, 30)
    assert (box.length, box.thickness, box.angle) == (100, 30, 0)
    assert box.center == (60, 35)
    assert box.scaled(2).as_list() == [[20, 40], [220, 40], [220, 100], [20, 100]]
    assert box.part(0.5, 1.0).left == 60
    down = Box(((50, 0), (50, 100), (20, 100), (20, 0)))
    assert down.angle == 90 and down.length == 100
