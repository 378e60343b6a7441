"""Choosing and starting an OCR engine, with the fallback to tesseract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from edge_agent.errors import OcrUnavailable
from edge_agent.ocr import rapid
from edge_agent.ocr.engine import OcrEngine
from edge_agent.ocr.rapid import RapidOcrEngine
from edge_agent.ocr.tesseract import TesseractEngine

EngineName = Literal["rapidocr", "tesseract"]
"""Engines the app can use; ``rapidocr`` is the default."""

ENGINES: tuple[EngineName, ...] = get_args(EngineName)


@dataclass(frozen=True, slots=True)
class LoadedEngine:
    """A started engine, and a notice when it is not the one asked for."""

    engine: OcrEngine
    notice: str = ""


def load_engine(
    name: EngineName = "rapidocr",
    *,
    fallback: bool = True,
    warm: bool = True,
    cache_dir: Path | None = None,
) -> LoadedEngine:
    """Start the engine called ``name``, loaded and (with ``warm``) run once.

    ``cache_dir`` is where an engine may keep what it can rebuild (RapidOCR's
    parsed model table), so the next process starts faster.

    When RapidOCR is asked for but cannot start and ``fallback`` is set,
    tesseract is started instead and the notice says why and how to install
    RapidOCR.

    Raises:
        OcrUnavailable: no usable engine; the message says what to install.
    """
    if name == "tesseract":
        return LoadedEngine(TesseractEngine())
    try:
        return LoadedEngine(RapidOcrEngine(warm=warm, cache_dir=cache_dir))
    except OcrUnavailable as exc:
        if not fallback:
            raise
        first = exc
    try:
        engine = TesseractEngine()
    except OcrUnavailable as exc:
        raise OcrUnavailable(
            f"{first.message} The fallback engine cannot start either: {exc.message}",
            engine=rapid.NAME,
        ) from exc
    return LoadedEngine(
        engine, notice=f"{first.message.rstrip('.')}. Reading with tesseract instead."
    )
