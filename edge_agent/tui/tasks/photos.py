"""Reading photos in a worker: the engine is loaded once, then kept warm.

Importing this module imports the OCR stack; the photo screen imports it only
when it is first opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from edge_agent.config import EdgeSettings
from edge_agent.ocr import (
    CodeLookup,
    EngineName,
    LoadedEngine,
    OcrEngine,
    OcrResult,
    PhotoReader,
    ReadCode,
    correct_in_session,
    load_engine,
    read_in_session,
)
from edge_agent.tui.tasks.stores import session


def start_engine(name: str) -> LoadedEngine:
    """Load and warm up the OCR engine called ``name`` (tesseract as fallback).

    Raises:
        OcrUnavailable: no engine can run; the message says what to install.
    """
    return load_engine(cast(EngineName, name), warm=True)


def resolve_photo(typed: str, photos_folder: Path) -> Path:
    """The photo a typed path means: as given when absolute or ``~``-based,
    else in the photos folder if it is there, else from the current folder."""
    path = Path(typed.strip()).expanduser()
    if path.is_absolute():
        return path
    in_folder = photos_folder / path
    return in_folder if in_folder.exists() else path


def read_photo(settings: EdgeSettings, engine: OcrEngine, path: Path) -> OcrResult:
    """Read every code on the photo and look each one up, as a traced turn.

    Raises:
        ImageUnreadable: the photo is missing, damaged, not an image or too large.
        OcrError: the engine failed on this photo.
    """
    with session(settings) as opened:
        return read_in_session(opened, PhotoReader(engine, opened.store), path)


def correct(
    settings: EdgeSettings,
    engine: OcrEngine,
    typed: str,
    original: ReadCode,
    photo_sha256: str,
) -> tuple[ReadCode, CodeLookup]:
    """Look up the code the technician typed in place of ``original``, as a
    traced turn.

    Raises:
        CorrectionInvalid: the typed text cannot be a code the KB declares.
    """
    with session(settings) as opened:
        reader = PhotoReader(engine, opened.store)
        return correct_in_session(
            opened, reader, typed, original=original, photo_sha256=photo_sha256
        )
