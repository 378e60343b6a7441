"""The default engine: RapidOCR (PP-OCR models) on ONNX Runtime, on the CPU.

The only module that imports ``rapidocr``, ``onnxruntime``, OpenCV and ``numpy``
for OCR, always inside functions, so the rest of the app starts without them. The
detection and recognition models ship inside the ``rapidocr`` wheel; this
module points RapidOCR at those files by path, so nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw, ImageFont

from edge_agent.errors import OcrError, OcrUnavailable
from edge_agent.ocr.engine import Box, TextBox
from edge_agent.ocr.rapid_tables import model_table_read_once

if TYPE_CHECKING:
    from collections.abc import Sequence

NAME = "rapidocr"
INSTALL_HINT = "pip install 'edge-field-assistant[ocr]'"
MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
"""The models rapidocr 3.10 ships in its wheel, by pipeline stage."""

_TALL = 1.5
"""RapidOCR turns a crop this many times taller than wide before reading it."""


@dataclass(frozen=True, slots=True)
class RapidSettings:
    """How the engine is tuned for a small CPU.

    Attributes:
        threads: ONNX Runtime threads per inference (the device has 2 cores).
        max_side: Longest photo side passed in; recognition crops come from it.
        detector_side: Longest side the text detector sees (its input cap).
        min_score: Recognition score below which a text box is dropped.
    """

    threads: int = 2
    max_side: int = 1600
    detector_side: int = 960
    min_score: float = 0.3


def is_installed() -> bool:
    """True when rapidocr and ONNX Runtime can be imported (nothing is imported)."""
    return all(importlib.util.find_spec(name) for name in ("rapidocr", "onnxruntime"))


def model_dir() -> Path:
    """The folder inside the installed rapidocr package that holds its models.

    Raises:
        OcrUnavailable: rapidocr is not installed.
    """
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise _not_installed()
    return Path(spec.origin).parent / "models"


def model_files() -> dict[str, Path]:
    """Each stage's model file inside the installed package.

    Raises:
        OcrUnavailable: rapidocr is not installed, or a model file is missing.
    """
    folder = model_dir()
    files = {stage: folder / name for stage, name in MODEL_FILES.items()}
    missing = [path.name for path in files.values() if not path.is_file()]
    if missing:
        raise OcrUnavailable(
            f"RapidOCR's model files ({', '.join(missing)}) are missing from "
            f"{folder}. Reinstall it: pip install --force-reinstall rapidocr==3.10.0",
            engine=NAME,
        )
    return files


class RapidOcrEngine:
    """RapidOCR with detection and recognition loaded once and kept warm.

    The angle classifier is off: the reader retries rotated photos itself,
    only when a first pass finds nothing code-shaped.
    """

    name = NAME

    def __init__(
        self,
        settings: RapidSettings | None = None,
        *,
        warm: bool = True,
        cache_dir: Path | None = None,
    ):
        """Load the models; with ``warm``, run them once so the first photo is fast.

        ``cache_dir`` keeps rapidocr's parsed model table between processes
        (see :mod:`edge_agent.ocr.rapid_tables`).

        Raises:
            OcrUnavailable: rapidocr or ONNX Runtime is not installed, or its
                models are missing.
        """
        self._settings = settings or RapidSettings()
        if not is_installed():
            raise _not_installed()
        try:
            import numpy

            with model_table_read_once(cache_dir):
                from rapidocr import RapidOCR

                self._errors = _engine_errors()
        except ImportError as exc:
            raise _not_installed() from exc
        self._numpy = numpy
        self._ocr = RapidOCR(params=_params(self._settings, model_files()))
        if warm:
            try:
                self.read(_warm_up_image())
            except OcrError as exc:
                raise OcrUnavailable(
                    f"RapidOCR could not start ({exc.message}). Reinstall it: "
                    "pip install --force-reinstall rapidocr==3.10.0",
                    engine=NAME,
                ) from exc

    @property
    def max_side(self) -> int:
        return self._settings.max_side

    def read(self, image: Image.Image) -> list[TextBox]:
        """Every text line in ``image`` with its box and recognition score."""
        bgr = self._bgr(image.convert("RGB"))
        # Stages are passed every time: RapidOCR keeps the last call's choice.
        try:
            result = self._ocr(bgr, use_det=True, use_cls=False, use_rec=True)
        except self._errors as exc:
            raise OcrError(f"RapidOCR could not read the photo ({exc}).") from exc
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        return [
            TextBox(str(text).strip(), _reading_box(points.tolist()), float(score))
            for points, text, score in zip(boxes, texts, scores, strict=True)
            if str(text).strip()
        ]

    def read_turned(
        self, image: Image.Image, boxes: Sequence[TextBox]
    ) -> list[TextBox]:
        """Recognise each box again, turned half round (no detection)."""
        if not boxes:
            return []
        rgb = image.convert("RGB")
        turned = [box.box.turned() for box in boxes]
        crops = [self._bgr(_crop(rgb, box)) for box in turned]
        try:
            result = self._ocr.recognize_txt(crops)
        except self._errors as exc:
            raise OcrError(f"RapidOCR could not read the photo ({exc}).") from exc
        texts, scores = result.txts or (), result.scores or ()
        return [
            TextBox(str(text).strip(), box, float(score))
            for box, text, score in zip(turned, texts, scores, strict=True)
        ]

    def _bgr(self, image: Image.Image) -> Any:
        rgb = self._numpy.asarray(image)
        return self._numpy.ascontiguousarray(rgb[:, :, ::-1])


def _engine_errors() -> tuple[type[Exception], ...]:
    """What RapidOCR, OpenCV and ONNX Runtime raise when a model or image fails."""
    import cv2
    from onnxruntime.capi import onnxruntime_pybind11_state as runtime
    from rapidocr.inference_engine.onnxruntime import ONNXRuntimeError
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.load_image import LoadImageError

    native = [
        value
        for value in vars(runtime).values()
        if isinstance(value, type) and issubclass(value, Exception)
    ]
    return (
        ValueError,
        RuntimeError,
        cv2.error,
        ONNXRuntimeError,
        RapidOCRError,
        LoadImageError,
        *native,
    )


def _crop(image: Image.Image, box: Box) -> Image.Image:
    """The box cut out and straightened, its text level and reading rightwards."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box.points
    size = (max(4, round(box.length)), max(4, round(box.thickness)))
    quad = (x0, y0, x3, y3, x2, y2, x1, y1)
    return image.transform(
        size, Image.Transform.QUAD, quad, resample=Image.Resampling.BICUBIC
    )


def _params(settings: RapidSettings, files: dict[str, Path]) -> dict[str, Any]:
    threads = max(1, settings.threads)
    return {
        "Global.use_cls": False,
        "Global.log_level": "error",
        "Global.text_score": settings.min_score,
        "Global.max_side_len": settings.max_side,
        "Det.limit_type": "max",
        "Det.limit_side_len": settings.detector_side,
        **{f"{stage}.model_path": str(path) for stage, path in files.items()},
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }


def _reading_box(points: Sequence[Sequence[float]]) -> Box:
    """A detector box with its corners in reading order.

    RapidOCR turns a crop that is much taller than wide a quarter turn
    anticlockwise before reading it, i.e. it reads such text top to bottom;
    the corners are rotated to match, so the box's first edge points down.
    """
    a, b, c, d = ((float(x), float(y)) for x, y in points[:4])
    width = max(math.dist(a, b), math.dist(c, d))
    height = max(math.dist(a, d), math.dist(b, c))
    if width > 0 and height >= _TALL * width:
        return Box((b, c, d, a))
    return Box((a, b, c, d))


def _warm_up_image() -> Image.Image:
    """A small image with a little text, enough to load and run every model."""
    image = Image.new("RGB", (320, 96), "white")
    font = ImageFont.load_default(size=36)
    ImageDraw.Draw(image).text((16, 24), "E-42 OK", fill="black", font=font)
    return image


def _not_installed() -> OcrUnavailable:
    return OcrUnavailable(
        f"The RapidOCR engine is not installed. Install it with: {INSTALL_HINT}",
        engine=NAME,
    )
