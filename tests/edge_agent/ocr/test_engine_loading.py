"""Choosing an engine: the default, the fallback, and what to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from edge_agent.ocr import ENGINES, OcrUnavailable, load_engine

HEAVY = ("rapidocr", "onnxruntime", "cv2", "pytesseract")

_HIDE_RAPIDOCR = "import sys; sys.modules['rapidocr'] = None\n"
_LOAD = """
import json
from edge_agent.ocr import OcrUnavailable, load_engine
try:
    loaded = load_engine({args})
    print(json.dumps({{"engine": loaded.engine.name, "notice": loaded.notice}}))
except OcrUnavailable as exc:
    print(json.dumps({{"error": exc.message, "engine": exc.engine}}))
"""


def run_python(code: str, *, path: str | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    outcome: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return outcome


def test_engine_names() -> None:
    assert ENGINES == ("rapidocr", "tesseract")


def test_tesseract_is_started_when_asked_for() -> None:
    loaded = load_engine("tesseract")

    assert (loaded.engine.name, loaded.notice) == ("tesseract", "")
    assert loaded.engine.max_side >= 1600


@pytest.mark.slow
def test_without_rapidocr_the_default_falls_back_to_tesseract_and_says_so() -> None:
    outcome = run_python(_HIDE_RAPIDOCR + _LOAD.format(args="'rapidocr', warm=False"))

    assert outcome["engine"] == "tesseract"
    assert "RapidOCR engine is not installed" in outcome["notice"]
    assert "pip install 'edge-field-assistant[ocr]'" in outcome["notice"]
    assert "Reading with tesseract instead" in outcome["notice"]


def test_without_rapidocr_and_no_fallback_the_message_says_how_to_install() -> None:
    outcome = run_python(
        _HIDE_RAPIDOCR + _LOAD.format(args="'rapidocr', fallback=False")
    )

    assert outcome["engine"] == "rapidocr"
    assert "pip install 'edge-field-assistant[ocr]'" in outcome["error"]


def test_without_the_tesseract_program_the_message_names_the_packages(
    tmp_path: Path,
) -> None:
    outcome = run_python(_LOAD.format(args="'tesseract'"), path=str(tmp_path))

    assert outcome["engine"] == "tesseract"
    assert "apt-get install tesseract-ocr tesseract-ocr-eng" in outcome["error"]


def test_with_no_engine_at_all_both_installs_are_named(tmp_path: Path) -> None:
    code = _HIDE_RAPIDOCR + _LOAD.format(args="'rapidocr'")

    outcome = run_python(code, path=str(tmp_path))

    assert "edge-field-assistant[ocr]" in outcome["error"]
    assert "tesseract-ocr" in outcome["error"]


@pytest.mark.parametrize(
    "module", ["edge_agent.ocr", "edge_agent.cli.ocr", "edge_agent.ocr.reader"]
)
def test_importing_the_photo_reader_loads_no_engine(module: str) -> None:
    code = (
        f"import json, sys, {module}\n"
        f"loaded = [m for m in {list(HEAVY)!r} if m in sys.modules]\n"
        "print(json.dumps({'loaded': loaded}))"
    )

    assert run_python(code) == {"loaded": []}


def test_unavailable_is_an_app_error_with_a_title() -> None:
    error = OcrUnavailable("install it", engine="rapidocr")

    assert (error.message, error.title, error.engine) == (
        "install it",
        "OCR engine unavailable",
        "rapidocr",
    )
