"""The pipeline with a scripted engine and the real demo KB."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from edge_agent.ocr import (
    Box,
    CorrectionInvalid,
    ImageUnreadable,
    PhotoReader,
    ReaderSettings,
    TextBox,
    result_to_json,
)
from knowledge_cache import CodeKind, KnowledgeStore
from tests.edge_agent.ocr.samples import line_boxes

ROWS = ["FAULT E-42 MOTOR OVERLOAD", "E-48", "P/N 4471-A20-339", "MODEL HP-300"]
FIRST_LOOK_ONLY = ReaderSettings(
    region_looks=False, joined_marks=False, plate_looks=False
)
"""No second look: the turning tests count the engine's readings."""


class MarkerEngine:
    """Reads ``rows`` only when the photo's red corner mark is at the top left.

    Any other way up it returns what a real engine returns for turned text:
    a few low-scoring scraps, lying along (``sideways``) or across the image.
    """

    name = "scripted"

    def __init__(
        self,
        rows: Sequence[str],
        *,
        max_side: int = 2000,
        sideways: bool = False,
        scores: dict[str, float] | None = None,
    ) -> None:
        self.rows, self.max_side, self.sideways = rows, max_side, sideways
        self.scores = scores or {}
        self.sizes: list[tuple[int, int]] = []

    def read(self, image: Image.Image) -> list[TextBox]:
        self.sizes.append(image.size)
        pixel = image.getpixel((2, 2))
        assert isinstance(pixel, tuple)
        red, green = pixel[0], pixel[1]
        if red > 150 and green < 80:
            return [
                TextBox(b.text, b.box, self.scores.get(b.text, b.score))
                for b in line_boxes(self.rows)
            ]
        scrap = (
            Box.from_rect(20, 20, 30, 200)
            if self.sideways
            else Box.from_rect(20, 20, 200, 30)
        )
        if self.sideways:
            scrap = Box(
                (scrap.points[1], scrap.points[2], scrap.points[3], scrap.points[0])
            )
        return [TextBox("3S-W /", scrap, 0.55)]


class TurningEngine(MarkerEngine):
    """Also reads boxes again turned half round: ``UPSIDE`` reads ``E-43``."""

    def __init__(self, rows: Sequence[str], scores: dict[str, float]) -> None:
        super().__init__(rows, scores=scores)
        self.turned: list[str] = []

    def read_turned(
        self, image: Image.Image, boxes: Sequence[TextBox]
    ) -> list[TextBox]:
        self.turned += [box.text for box in boxes]
        return [
            TextBox("E-43" if b.text == "UPSIDE" else "?", b.box.turned(), 0.96)
            for b in boxes
        ]


class Ticks:
    """A clock that moves one second per reading of the engine it watches."""

    def __init__(self, engine: MarkerEngine) -> None:
        self.engine = engine

    def __call__(self) -> float:
        return float(len(self.engine.sizes))


def photo(
    tmp_path: Path,
    *,
    turn: Image.Transpose | None = None,
    size: tuple[int, int] = (800, 600),
) -> Path:
    image = Image.new("RGB", size, "white")
    image.paste((220, 0, 0), (0, 0, 12, 12))
    if turn is not None:
        image = image.transpose(turn)
    path = tmp_path / "photo.png"
    image.save(path)
    return path


def test_an_upright_photo_is_read_once_and_every_code_looked_up(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = MarkerEngine(ROWS)
    result = PhotoReader(engine, demo_store, clock=Ticks(engine)).read(photo(tmp_path))

    assert len(engine.sizes) == 1 and result.rotation == 0
    assert [(c.kind.value, c.value, c.known) for c in result.codes] == [
        ("fault_code", "E-42", True),
        ("fault_code", "E-48", False),
        ("part_number", "4471-A20-339", True),
        ("model_number", "HP-300", True),
    ]
    e42, e48, part, model = result.lookups
    assert e42.entries[0].description == "Motor overload trip"
    assert e42.citations == (e42.entries[0].chunk_id,)
    assert e48.entries == () and e48.citations == ()
    assert "not in the knowledge base" in result.codes[1].notes[-1]
    assert result.codes[1].confidence < result.codes[0].confidence
    assert part.entries[0].attributes["unit_price"] == "742.50"
    assert model.hits and all("HP-300" in h.chunk.text for h in model.hits)
    assert result.text.splitlines() == ROWS
    assert result.seconds == 1.0 and result.engine == "scripted"


def test_an_upside_down_photo_is_turned_and_boxes_map_back(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = MarkerEngine(ROWS, max_side=400)  # the 800 px photo is read at half size
    path = photo(tmp_path, turn=Image.Transpose.ROTATE_180)

    result = PhotoReader(engine, demo_store, settings=FIRST_LOOK_ONLY).read(path)

    assert result.rotation == 180 and len(engine.sizes) == 2
    assert engine.sizes == [(400, 300), (400, 300)]
    box = result.codes[0].box
    assert box is not None
    # "E-42" spans x 130..210, y 10..40 in the turned, half-size image: in the
    # stored photo that is the bottom right, at full size.
    assert box.as_rect() == (800 - 420, 600 - 80, 160, 60)


def test_sideways_text_is_tried_a_quarter_turn_first(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = MarkerEngine(ROWS, sideways=True)
    path = photo(tmp_path, turn=Image.Transpose.ROTATE_90)

    result = PhotoReader(engine, demo_store, settings=FIRST_LOOK_ONLY).read(path)

    assert result.rotation == 270 and len(engine.sizes) == 2
    assert result.width == 600 and result.height == 800
    box = result.codes[0].box
    assert box is not None
    # "E-42" (x 130..210, y 10..40 read upright) runs up the stored photo.
    assert box.as_rect() == (10, 800 - 210, 30, 80)
    assert box.angle == -90


def test_a_listed_code_read_once_with_a_low_score_stays_marked(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    # E-42 is in the fault table, but a poor reading of one listed code may
    # be another listed code: the lookup must not lift it over the mark.
    engine = MarkerEngine(["E-42", "E-43"], scores={"E-42": 0.7})

    result = PhotoReader(engine, demo_store, settings=FIRST_LOOK_ONLY).read(
        photo(tmp_path)
    )

    unsure, sure = result.codes
    assert (unsure.value, unsure.known, unsure.low_confidence) == ("E-42", True, True)
    assert unsure.confidence == 0.7
    assert "read with low confidence" in unsure.notes[-1]
    assert not sure.low_confidence and sure.confidence > 0.97
    assert result.needs_review


def test_each_code_keeps_its_line_box_in_the_photo_turned_back(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = MarkerEngine(ROWS, max_side=400)
    path = photo(tmp_path, turn=Image.Transpose.ROTATE_180)

    result = PhotoReader(engine, demo_store, settings=FIRST_LOOK_ONLY).read(path)

    fault = result.codes[0]
    assert fault.line_box is not None and fault.box is not None
    # The first row (x 10..510, y 10..40 at half size, turned) ends at the
    # bottom right of the stored photo, and holds the code's own box.
    assert fault.line_box.as_rect() == (800 - 1020, 600 - 80, 1000, 60)
    assert fault.line_box.angle == 180
    line, code = fault.line_box, fault.box
    assert line.left <= code.left and code.right <= line.right
    assert line.top <= code.top and code.bottom <= line.bottom


def test_retries_stop_when_the_time_budget_is_spent(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = MarkerEngine(ROWS)
    reader = PhotoReader(
        engine,
        demo_store,
        settings=replace(FIRST_LOOK_ONLY, rotation_budget=1.5),
        clock=Ticks(engine),
    )

    result = reader.read(photo(tmp_path, turn=Image.Transpose.ROTATE_90))

    assert len(engine.sizes) == 2  # upright pass, one turn, then out of time
    assert result.codes == ()
    assert "time budget" in result.notices[0]
    assert result.text == "3S-W /"


def test_clear_text_without_codes_is_not_turned(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = MarkerEngine(["NO ACTIVE FAULTS", "SYSTEM OK"])

    reader = PhotoReader(engine, demo_store, settings=FIRST_LOOK_ONLY)
    result = reader.read(photo(tmp_path))

    assert len(engine.sizes) == 1 and result.codes == ()
    assert result.text == "NO ACTIVE FAULTS\nSYSTEM OK"


def test_a_correction_is_looked_up_and_marked_as_corrected(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    reader = PhotoReader(MarkerEngine(ROWS), demo_store)
    result = reader.read(photo(tmp_path))
    misread = result.codes[1]

    fixed, lookup = reader.correct("e 43", original=misread)
    updated = result.with_correction(misread, fixed, lookup)

    assert (fixed.value, fixed.kind, fixed.known) == ("E-43", CodeKind.FAULT_CODE, True)
    assert fixed.corrected and fixed.corrected_from == "E-48"
    assert fixed.confidence == 1.0 and fixed.box == misread.box
    assert lookup.entries[0].description == "Motor winding over-temperature"
    assert updated.codes[1] is fixed and updated.lookups[1] is lookup
    assert updated.codes[0] == result.codes[0]


def test_a_correction_outside_the_formats_keeps_the_original_kind(
    demo_store: KnowledgeStore,
) -> None:
    reader = PhotoReader(MarkerEngine(ROWS), demo_store)

    typed, lookup = reader.correct("x-77 ", kind=CodeKind.SERIAL_NUMBER)

    assert (typed.value, typed.kind, typed.matches_format) == (
        "X-77",
        CodeKind.SERIAL_NUMBER,
        False,
    )
    assert not lookup.known
    with pytest.raises(CorrectionInvalid, match="type it as printed"):
        reader.correct("hello")


def test_a_kb_without_formats_reads_labelled_values_and_says_why_no_codes(
    tmp_path: Path,
) -> None:
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as empty:
        result = PhotoReader(MarkerEngine(ROWS), empty).read(photo(tmp_path))

    assert "E-42" in result.text
    assert [(c.label, c.value, c.matches_format) for c in result.codes] == [
        ("P/N", "4471-A20-339", False),
        ("MODEL", "HP-300", False),
    ]
    assert all(code.low_confidence for code in result.codes)
    assert "has no code formats yet" in result.notices[0]


def test_a_bad_photo_raises_a_plain_error(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    with pytest.raises(ImageUnreadable, match="does not exist"):
        PhotoReader(MarkerEngine(ROWS), demo_store).read(tmp_path / "gone.jpg")


def test_the_result_as_json(tmp_path: Path, demo_store: KnowledgeStore) -> None:
    result = PhotoReader(MarkerEngine(ROWS), demo_store).read(photo(tmp_path))

    data = json.loads(json.dumps(result_to_json(result)))

    assert set(data) >= {"path", "engine", "codes", "lookups", "text", "seconds"}
    assert data["sha256"] == result.sha256 and len(data["sha256"]) == 64
    code = data["codes"][0]
    assert set(code) >= {"kind", "value", "confidence", "box", "known"}
    assert code["box"] == [[130, 10], [210, 10], [210, 40], [130, 40]]
    assert code["line_box"] == [[10, 10], [510, 10], [510, 40], [10, 40]]
    assert code["uncertain"] is False
    assert data["lookups"][0]["entries"][0]["code"] == "E-42"
    assert data["lookups"][0]["citations"] == [
        data["lookups"][0]["entries"][0]["chunk_id"]
    ]


def test_poorly_read_boxes_are_read_again_turned_by_engines_that_can(
    tmp_path: Path, demo_store: KnowledgeStore
) -> None:
    engine = TurningEngine(["E-42 MOTOR OVERLOAD", "UPSIDE"], {"UPSIDE": 0.5})

    result = PhotoReader(engine, demo_store).read(photo(tmp_path))

    # Once some text proved upside down, the rest is tried turned too; the
    # well-read line keeps its first reading.
    assert engine.turned == ["UPSIDE", "E-42 MOTOR OVERLOAD"]
    assert [c.value for c in result.codes] == ["E-42", "E-43"]
    box = result.codes[1].box
    assert box is not None and box.angle == 180  # read right to left in the photo


def test_a_plain_code_table_teaches_the_reader_its_codes(tmp_path: Path) -> None:
    table = tmp_path / "kb"
    table.mkdir()
    (table / "faults.csv").write_text(
        "code,description\nE-42,Motor overload trip\nE-43,Motor overheating\n"
        "E-51,Drive communication lost\n",
        "utf-8",
    )
    rows = ["FAULT E-42 MOTOR OVERLOAD", "E-48 SEE MANUAL", "LINE 2024"]
    with KnowledgeStore.open(sqlite3.connect(":memory:")) as store:
        store.ingest([table])
        result = PhotoReader(MarkerEngine(rows), store).read(photo(tmp_path))

    assert [(c.value, c.known) for c in result.codes] == [
        ("E-42", True),
        ("E-48", False),
    ]
    assert result.notices == ()


@pytest.mark.parametrize(
    ("engine_name", "readings"), [("rapidocr", 2), ("tesseract", 1)]
)
def test_a_poor_box_is_looked_at_again_except_by_tesseract(
    tmp_path: Path, demo_store: KnowledgeStore, engine_name: str, readings: int
) -> None:
    # Each tesseract reading starts a process: its time budget is kept for
    # turning photos upright, not spent on second looks.
    engine = MarkerEngine(["E-42", "E-43"], scores={"E-42": 0.5})
    engine.name = engine_name  # type: ignore[misc]

    result = PhotoReader(engine, demo_store, clock=Ticks(engine)).read(photo(tmp_path))

    assert len(engine.sizes) == readings
    assert [c.value for c in result.codes][:2] == ["E-42", "E-43"]
