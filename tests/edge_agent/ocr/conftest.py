"""Fixtures for the photo reader: demo formats, a demo KB, engines, photos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.knowledge import demo_data_dir
from edge_agent.ocr.rapid import RapidOcrEngine
from edge_agent.ocr.tesseract import TesseractEngine
from knowledge_cache import CodeFormat, KnowledgeStore
from tests.ocr_eval.generate import ImageTruth, generate, kb_formats


@pytest.fixture(scope="session")
def demo_formats() -> list[CodeFormat]:
    """The code formats the demo KB declares (fault codes, parts, serials, models)."""
    return kb_formats()


@pytest.fixture(scope="session")
def demo_kb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo fleet ingested once per run; tests open it read-mostly.

    Why session scope: ingesting the manuals takes a second or two, and no
    test changes the KB.
    """
    path = tmp_path_factory.mktemp("kb") / "knowledge.db"
    with KnowledgeStore.open(path) as store:
        report = store.ingest([demo_data_dir()])
    assert not report.failed
    return path


@pytest.fixture
def demo_store(demo_kb_file: Path) -> Iterator[KnowledgeStore]:
    """A connection to the demo KB, closed after the test."""
    with KnowledgeStore.open(demo_kb_file) as store:
        yield store


@pytest.fixture(scope="session")
def rapid_engine() -> RapidOcrEngine:
    """RapidOCR, loaded once: the set-up installs it, so missing is a failure."""
    return RapidOcrEngine()


@pytest.fixture(scope="session")
def tesseract_engine() -> TesseractEngine:
    """Tesseract, checked once: the set-up installs it, so missing is a failure."""
    return TesseractEngine()


@pytest.fixture(scope="session")
def clean_photos(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[ImageTruth]]:
    """A few generated photos without hard cases, one of each scene, and truth.

    Why generated: the images are not committed; the seeded generator renders
    the same photos on every run.
    """
    folder = tmp_path_factory.mktemp("clean-photos")
    scenes = ("part_label", "nameplate", "screen", "no_code_screen", "multi")
    return folder, generate(folder, count=5, seed=11, clean=True, scenes=scenes)
