"""Crops of a code's place on the photo: cut upright, clamped, drawn in cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from edge_agent.ocr import Box, ImageUnreadable, PhotoReader, load_photo
from edge_agent.ocr.crops import (
    MAX_CELLS,
    UPPER_HALF,
    code_crop,
    cut_code,
    half_blocks,
    terminal_size,
    uncertain_crops,
)
from edge_agent.ocr.rapid import RapidOcrEngine
from knowledge_cache import KnowledgeStore
from tests.edge_agent.ocr.samples import smeared_code

CODE = Box.from_rect(100, 60, 80, 20)
"""A code 80 px long, 20 px high, read left to right."""


def marked_photo() -> Image.Image:
    """A white photo with the code's box grey and its first quarter black:
    the start of the text is where the crop must show black."""
    image = Image.new("RGB", (400, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 60, 179, 79), fill=(128, 128, 128))
    draw.rectangle((100, 60, 119, 79), fill=(0, 0, 0))
    return image


def darkest_column(crop: Image.Image) -> float:
    """Where the crop is darkest, as a share of its width (0 left, 1 right)."""
    grey = crop.convert("L")
    sums = [
        sum(grey.getpixel((x, y)) for y in range(grey.height))  # type: ignore[misc]
        for x in range(grey.width)
    ]
    return sums.index(min(sums)) / grey.width


def test_a_code_is_cut_with_a_margin_at_the_photos_resolution() -> None:
    crop = cut_code(marked_photo(), CODE, along=0.5, across=0.5)

    assert crop is not None
    assert crop.size == (100, 40)  # 10 px (half a text height) on every side
    assert crop.getpixel((2, 2)) == (255, 255, 255)
    assert darkest_column(crop) < 0.3


@pytest.mark.parametrize(
    ("turn", "degrees"),
    [
        (Image.Transpose.ROTATE_90, 90),
        (Image.Transpose.ROTATE_180, 180),
        (Image.Transpose.ROTATE_270, 270),
    ],
)
def test_a_code_read_turned_comes_out_upright(
    turn: Image.Transpose, degrees: int
) -> None:
    image = marked_photo()
    turned = image.transpose(turn)
    width, height = image.size
    # The code's box in the turned photo, its corners still in reading order.
    if degrees == 90:
        box = CODE.mapped(lambda p: (p[1], width - p[0]))
    elif degrees == 180:
        box = CODE.mapped(lambda p: (width - p[0], height - p[1]))
    else:
        box = CODE.mapped(lambda p: (height - p[1], p[0]))

    crop = cut_code(turned, box, along=0.5, across=0.5)

    assert crop is not None
    assert crop.size == (100, 40)
    assert darkest_column(crop) < 0.3  # the start of the code is on the left


def test_a_box_at_the_edge_is_clamped_to_the_photo() -> None:
    image = marked_photo()

    crop = cut_code(image, Box.from_rect(-30, 190, 80, 20), along=0.5, across=0.5)

    assert crop is not None
    assert crop.size == (60, 20)  # x 0..60, y 180..200: what the photo holds
    assert cut_code(image, Box.from_rect(500, 300, 80, 20)) is None


def test_a_tiny_box_still_gives_a_crop_and_a_cell() -> None:
    crop = cut_code(marked_photo(), Box.from_rect(105, 65, 2, 1))

    assert crop is not None and crop.width >= 1 and crop.height >= 1
    drawn = half_blocks(crop)
    assert drawn.plain and set(drawn.plain) <= {UPPER_HALF, "\n"}


def test_a_crop_of_a_photo_loaded_small_maps_the_full_size_box(
    tmp_path: Path,
) -> None:
    path = tmp_path / "photo.png"
    marked_photo().resize((800, 400)).save(path)
    photo = load_photo(path, max_side=400)  # loaded at half size

    crop = code_crop(photo, CODE.scaled(2), along=0.5, across=0.5)

    assert crop is not None and crop.size == (100, 40)
    assert darkest_column(crop) < 0.3


def test_a_wide_crop_is_drawn_at_most_sixty_cells_wide_two_rows_a_cell() -> None:
    crop = Image.new("RGB", (2000, 40), "white")
    ImageDraw.Draw(crop).rectangle((0, 0, 999, 39), fill="black")

    drawn = half_blocks(crop)

    rows = drawn.plain.split("\n")
    assert len(rows[0]) == MAX_CELLS and len(rows) == 1  # 60 x 1.2 px: one row
    assert terminal_size((2000, 40)) == (60, 1)
    assert terminal_size((300, 400)) == (9, 12)  # tall: held to six rows
    left, right = drawn.spans[0].style, drawn.spans[-1].style
    assert str(left.color.triplet.hex) == "#000000"  # type: ignore[union-attr]
    assert str(right.color.triplet.hex) == "#ffffff"  # type: ignore[union-attr]


def test_a_faint_crop_is_stretched_to_full_contrast() -> None:
    crop = Image.new("RGB", (40, 8), (150, 150, 150))
    ImageDraw.Draw(crop).rectangle((0, 0, 19, 7), fill=(120, 120, 120))

    drawn = half_blocks(crop, max_cells=40)

    levels = {span.style.color.triplet.red for span in drawn.spans}  # type: ignore[union-attr]
    assert min(levels) == 0 and max(levels) == 255
    upper = drawn.spans[0].style
    assert upper.bgcolor is not None  # the lower pixel of the cell


def test_a_photo_changed_since_it_was_read_gives_no_crop(tmp_path: Path) -> None:
    from edge_agent.ocr.results import OcrResult, ReadCode
    from knowledge_cache import CodeKind

    path = tmp_path / "photo.png"
    marked_photo().save(path)
    sha = load_photo(path).sha256
    unsure = ReadCode(CodeKind.FAULT_CODE, "E-42", 0.6, CODE, True, "E-4Z")
    sure = ReadCode(CodeKind.FAULT_CODE, "E-43", 0.99, CODE, True, "E-43")
    result = OcrResult(path, sha, "test", (unsure, sure), (), (), 0.1)

    crops = uncertain_crops(result)

    assert list(crops) == [0]  # the certain code needs none
    Image.new("RGB", (400, 200), "black").save(path)
    with pytest.raises(ImageUnreadable, match="changed since it was read"):
        uncertain_crops(result)


def test_a_listed_code_read_once_with_a_low_score_is_marked_with_its_crop(
    tmp_path: Path, rapid_engine: RapidOcrEngine, demo_store: KnowledgeStore
) -> None:
    path = tmp_path / "smeared.png"
    drawn = smeared_code(path)

    result = PhotoReader(rapid_engine, demo_store).read(path)

    (code,) = result.codes
    assert (code.value, code.known) == ("E-42", True)  # listed in the fault table
    assert code.low_confidence and result.needs_review
    assert code.box is not None
    x, y = code.box.center
    assert drawn.left <= x <= drawn.right and drawn.top <= y <= drawn.bottom
    crops = uncertain_crops(result)
    assert list(crops) == [0]
    assert crops[0].width >= drawn.length * 0.8
