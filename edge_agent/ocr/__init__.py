"""Reading codes from photos of labels, nameplates and scanner screens, offline.

Build one :class:`PhotoReader` per process with :func:`load_engine` (the engine
is loaded once and kept warm) and a :class:`~knowledge_cache.KnowledgeStore`,
then call :meth:`PhotoReader.read` per photo. The OCR engines themselves
(RapidOCR on ONNX Runtime, or tesseract) are imported only when started.
"""

from __future__ import annotations

from edge_agent.errors import (
    CorrectionInvalid,
    ImageUnreadable,
    OcrError,
    OcrUnavailable,
)
from edge_agent.ocr.engine import Box, OcrEngine, TextBox
from edge_agent.ocr.extraction import LOW_CONFIDENCE, FoundCode, extract_codes
from edge_agent.ocr.images import Photo, load_photo, supported_formats
from edge_agent.ocr.lines import TextLine, group_lines
from edge_agent.ocr.lookup import correct_code, lookup_code
from edge_agent.ocr.photo_turn import correct_in_session, read_in_session
from edge_agent.ocr.reader import PhotoReader
from edge_agent.ocr.reader_settings import ReaderSettings, settings_for
from edge_agent.ocr.results import CodeLookup, OcrResult, ReadCode, result_to_json
from edge_agent.ocr.selection import ENGINES, EngineName, LoadedEngine, load_engine
from knowledge_cache import FormatSet

__all__ = [
    "ENGINES",
    "LOW_CONFIDENCE",
    "Box",
    "CodeLookup",
    "CorrectionInvalid",
    "EngineName",
    "FormatSet",
    "FoundCode",
    "ImageUnreadable",
    "LoadedEngine",
    "OcrEngine",
    "OcrError",
    "OcrResult",
    "OcrUnavailable",
    "Photo",
    "PhotoReader",
    "ReadCode",
    "ReaderSettings",
    "TextBox",
    "TextLine",
    "correct_code",
    "correct_in_session",
    "extract_codes",
    "group_lines",
    "load_engine",
    "load_photo",
    "lookup_code",
    "read_in_session",
    "result_to_json",
    "settings_for",
    "supported_formats",
]
