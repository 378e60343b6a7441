"""The light alternative engine: tesseract through pytesseract.

The only module that imports ``pytesseract``, inside functions. Tesseract runs
as a separate program (Debian packages ``tesseract-ocr`` and
``tesseract-ocr-eng``); each photo is prepared for it (grey, stretched
contrast, light text on dark screens inverted, tilt levelled) and read in
sparse-text mode, which suits labels and screens better than page layout
analysis.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, ImageStat

from edge_agent.errors import OcrError, OcrUnavailable
from edge_agent.ocr.engine import Box, Point, TextBox
from edge_agent.ocr.skew import estimate_tilt, level

NAME = "tesseract"
PROGRAM_HINT = "sudo apt-get install tesseract-ocr tesseract-ocr-eng"
MODULE_HINT = "pip install pytesseract"

_DARK = 100
"""Mean grey level below which an image is taken for light text on a dark screen."""


@dataclass(frozen=True, slots=True)
class TesseractSettings:
    """How tesseract is run.

    Attributes:
        max_side: Longest photo side passed in.
        min_side: Photos smaller than this are enlarged (tesseract wants
            letters about 30 pixels tall).
        language: Tesseract language data to use.
        page_mode: Page segmentation mode; 11 finds sparse text in any layout.
        min_score: Word confidence (0 to 1) below which a word is dropped.
        timeout: Seconds before a stuck tesseract run is stopped.
        deskew: Level tilted photos first (tesseract reads only level text).
    """

    max_side: int = 2400
    min_side: int = 1200
    language: str = "eng"
    page_mode: int = 11
    min_score: float = 0.3
    timeout: float = 30.0
    deskew: bool = True


def is_installed() -> bool:
    """True when pytesseract can be imported and the tesseract program exists."""
    return bool(importlib.util.find_spec("pytesseract") and shutil.which("tesseract"))


class TesseractEngine:
    """Tesseract, checked once at start-up, then run once per photo."""

    name = NAME

    def __init__(self, settings: TesseractSettings | None = None) -> None:
        """Check that pytesseract, the program and its language data are there.

        Raises:
            OcrUnavailable: something is missing; the message says what to install.
        """
        self._settings = settings or TesseractSettings()
        try:
            import pytesseract
        except ImportError as exc:
            raise OcrUnavailable(
                f"pytesseract is not installed. Install it with: {MODULE_HINT}",
                engine=NAME,
            ) from exc
        self._tesseract: Any = pytesseract
        try:
            languages = pytesseract.get_languages(config="")
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise OcrUnavailable(
                f"The tesseract program is not installed. Install it with: "
                f"{PROGRAM_HINT}",
                engine=NAME,
            ) from exc
        if self._settings.language not in languages:
            raise OcrUnavailable(
                f"Tesseract has no '{self._settings.language}' language data. "
                f"Install it with: {PROGRAM_HINT}",
                engine=NAME,
            )

    @property
    def max_side(self) -> int:
        return self._settings.max_side

    def read(self, image: Image.Image) -> list[TextBox]:
        """Every word in ``image`` with its box and confidence.

        Raises:
            OcrError: tesseract failed or took longer than the timeout.
        """
        settings = self._settings
        prepared, factor = _prepared(image, settings.min_side)
        angle = estimate_tilt(prepared) if settings.deskew else 0.0
        turned, back = level(prepared, angle) if angle else (prepared, _same)
        try:
            data = self._tesseract.image_to_data(
                turned,
                lang=settings.language,
                config=f"--oem 1 --psm {settings.page_mode}",
                output_type=self._tesseract.Output.DICT,
                timeout=settings.timeout,
            )
        except (RuntimeError, self._tesseract.TesseractError) as exc:
            raise OcrError(f"Tesseract could not read the photo ({exc}).") from exc
        words = _words(data, settings.min_score)
        return [
            TextBox(w.text, w.box.mapped(lambda p: _scaled(back(p), factor)), w.score)
            for w in words
        ]


def _prepared(image: Image.Image, min_side: int) -> tuple[Image.Image, float]:
    """Grey, contrast-stretched, dark text on light, large enough; and the scale."""
    gray = ImageOps.autocontrast(image.convert("L"), cutoff=1)
    if ImageStat.Stat(gray).mean[0] < _DARK:
        gray = ImageOps.invert(gray)
    longest = max(gray.size)
    if longest >= min_side:
        return gray, 1.0
    factor = min_side / longest
    size = (round(gray.width * factor), round(gray.height * factor))
    return gray.resize(size, Image.Resampling.BICUBIC), factor


def _same(point: Point) -> Point:
    return point


def _scaled(point: Point, factor: float) -> Point:
    return point[0] / factor, point[1] / factor


def _words(data: dict[str, list[Any]], min_score: float) -> list[TextBox]:
    words = []
    for text, conf, left, top, width, height in zip(
        data["text"],
        data["conf"],
        data["left"],
        data["top"],
        data["width"],
        data["height"],
        strict=True,
    ):
        score = float(conf) / 100
        if str(text).strip() and score >= min_score:
            box = Box.from_rect(left, top, width, height)
            words.append(TextBox(str(text).strip(), box, score))
    return words
