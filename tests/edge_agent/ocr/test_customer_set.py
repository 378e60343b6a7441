"""The customer evaluation set: makers' shapes, a true truth, learned formats
that read it, and the demo set left as it was."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.ocr import PhotoReader
from edge_agent.ocr.rapid import RapidOcrEngine
from knowledge_cache import KnowledgeStore
from tests.ocr_eval.customer_pools import KB_FOLDER, spelling
from tests.ocr_eval.generate import TRUTH_FILE, ImageTruth, generate
from tests.ocr_eval.shapes import FAULT_PATTERN, PART_SHAPES, SERIAL_SHAPES

SCENES = ("part_label", "nameplate", "screen", "no_code_screen", "multi")


@pytest.fixture(scope="module")
def customer_photos(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[ImageTruth]]:
    """A few clean customer photos, one of each scene, with their tables.

    Why generated: the images are not committed; the seeded generator renders
    the same photos on every run.
    """
    folder = tmp_path_factory.mktemp("customer-photos")
    return folder, generate(
        folder, count=10, seed=11, clean=True, scenes=SCENES, kb="customer"
    )


@pytest.fixture
def learned_store(
    customer_photos: tuple[Path, list[ImageTruth]], tmp_path: Path
) -> Iterator[KnowledgeStore]:
    """The customer's tables alone, so every format in use is learned."""
    folder, _ = customer_photos
    with KnowledgeStore.open(tmp_path / "knowledge.db") as store:
        assert not store.ingest([folder / KB_FOLDER]).failed
        yield store


def test_every_shape_draws_values_its_declared_format_fits() -> None:
    assert len(PART_SHAPES) >= 6 and len(SERIAL_SHAPES) >= 6
    for shape in (*PART_SHAPES, *SERIAL_SHAPES):
        rng = random.Random(shape.name)
        for _ in range(50):
            value = shape.draw(rng)
            assert re.fullmatch(shape.pattern, value), (shape.name, value)
            assert 5 <= len(value) <= 20


@pytest.mark.slow
def test_customer_truth_lists_what_was_drawn_and_the_tables_most_of_it(
    customer_photos: tuple[Path, list[ImageTruth]],
) -> None:
    folder, truths = customer_photos
    shapes = {"fault_code": [FAULT_PATTERN]}
    for shape in (*PART_SHAPES, *SERIAL_SHAPES):
        shapes.setdefault(shape.kind, []).append(shape.pattern)

    codes = [code for truth in truths for code in truth.codes]
    assert {c.kind for c in codes} == set(shapes)
    for code in codes:
        value = spelling(code.value) if code.kind == "fault_code" else code.value
        assert any(re.fullmatch(p, value) for p in shapes[code.kind]), code
    assert sum(c.known is True for c in codes) > sum(c.known is False for c in codes)
    assert all(not t.codes for t in truths if t.scene == "no_code_screen")
    tables = sorted(p.name for p in (folder / KB_FOLDER).iterdir())
    assert tables == ["assets.csv", "error-codes.csv", "parts.csv"]  # no kb.toml
    assert json.loads((folder / TRUTH_FILE).read_text("utf-8"))["kb"] == "customer"


@pytest.mark.slow
def test_learned_formats_read_every_code_on_clean_customer_photos(
    customer_photos: tuple[Path, list[ImageTruth]],
    learned_store: KnowledgeStore,
    rapid_engine: RapidOcrEngine,
) -> None:
    folder, truths = customer_photos
    reader = PhotoReader(rapid_engine, learned_store)

    for truth in truths:
        result = reader.read(folder / truth.file)

        expected = {(c.kind, spelling(c.value)) for c in truth.codes}
        found = {(c.kind.value, c.value) for c in result.codes}
        assert found == expected, truth.file


@pytest.mark.slow
def test_codes_the_tables_list_are_read_as_known(
    customer_photos: tuple[Path, list[ImageTruth]],
    learned_store: KnowledgeStore,
) -> None:
    _, truths = customer_photos
    listed = [c for t in truths for c in t.codes if c.known]

    unknown = [c.value for c in listed if not learned_store.lookup_code(c.value)]
    assert unknown == []


DEMO_CODES = [
    ("0000-part_label.png", [("part_number", "4471-B33-070", True)]),
    (
        "0001-nameplate.png",
        [("model_number", "DG-60", None), ("serial_number", "PGD-307190", None)],
    ),
    (
        "0002-screen.png",
        [("fault_code", "G-310", True), ("fault_code", "G-229", False)],
    ),
    ("0003-part_label.png", [("part_number", "4471-A20-339", True)]),
    (
        "0004-screen.png",
        [
            ("fault_code", "C-111", True),
            ("fault_code", "C-155", True),
            ("fault_code", "C-318", False),
        ],
    ),
    (
        "0005-nameplate.png",
        [
            ("model_number", "HP-350", None),
            ("serial_number", "HFP-187497", None),
            ("part_number", "4471-S23-402", True),
        ],
    ),
]
"""What the demo set drew for seed 5 before the customer set existed."""


@pytest.mark.slow
def test_the_demo_set_is_drawn_as_before(tmp_path: Path) -> None:
    truths = generate(tmp_path / "a", count=6, seed=5, clean=True)
    explicit = generate(tmp_path / "b", count=6, seed=5, clean=True, kb="demo")

    drawn = [(t.file, [(c.kind, c.value, c.known) for c in t.codes]) for t in truths]
    assert drawn == DEMO_CODES
    assert truths == explicit
    for truth in truths:
        assert (tmp_path / "a" / truth.file).read_bytes() == (
            tmp_path / "b" / truth.file
        ).read_bytes()
    assert not (tmp_path / "a" / KB_FOLDER).exists()
    payload = json.loads((tmp_path / "a" / TRUTH_FILE).read_text("utf-8"))
    assert list(payload) == ["seed", "count", "clean", "images"]
