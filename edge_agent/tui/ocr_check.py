"""Whether this device can read photos, checked at start-up without importing
the OCR stack (that happens only when the photo screen opens).

The checks mirror the engines' own ``is_installed`` (in ``edge_agent.ocr.rapid``
and ``edge_agent.ocr.tesseract``), which cannot be imported here: importing
``edge_agent.ocr`` loads the image pipeline.
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec

TESSERACT_HINT = "sudo apt-get install tesseract-ocr tesseract-ocr-eng"


def rapidocr_installed() -> bool:
    return all(find_spec(name) for name in ("rapidocr", "onnxruntime"))


def tesseract_installed() -> bool:
    return bool(find_spec("pytesseract") and shutil.which("tesseract"))


def ocr_notice(engine: str) -> str | None:
    """What is missing to read photos with ``engine``, or ``None``."""
    rapid, tesseract = rapidocr_installed(), tesseract_installed()
    if engine == "tesseract" and not tesseract:
        return (
            f"tesseract is not installed, so photos cannot be read ({TESSERACT_HINT};"
            " or set ocr_engine to rapidocr)."
        )
    if engine == "tesseract" or rapid:
        return None
    if tesseract:
        return "RapidOCR is not installed: photos are read with tesseract instead."
    return (
        "No OCR engine is installed, so photos cannot be read: install the "
        f"project's ocr extra (RapidOCR), or tesseract ({TESSERACT_HINT})."
    )
