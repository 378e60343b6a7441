"""Photos from disk: formats, EXIF orientation, size limits and shrinking.

:func:`load_photo` turns a file into an upright RGB image sized for an engine,
or raises :class:`ImageUnreadable` with a reason a technician can act on.
Only well-known photo formats are decoded (JPEG, PNG, WebP, TIFF, plus AVIF and
HEIC when the installed pillow reads them on its own).
"""

from __future__ import annotations

import hashlib
import io
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from edge_agent.errors import ImageUnreadable

MAX_FILE_BYTES = 64 * 2**20
"""Largest photo file accepted (64 MiB): well above any phone photo."""

MAX_PIXELS = 80_000_000
"""Largest photo accepted, in pixels (80 megapixels), to refuse decompression bombs."""

BASE_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF")
"""Formats always read (JPEG includes the multi-picture JPEG some phones write)."""

OPTIONAL_FORMATS = ("AVIF", "HEIF")
"""Formats read only when the installed pillow has a reader for them."""

EXIF_ORIENTATION = 0x0112
_SIDEWAYS = frozenset({5, 6, 7, 8})
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError)
_SIGNATURES = (
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim")


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo ready for OCR.

    Attributes:
        path: Where the photo was read from.
        sha256: Hex digest of the file's bytes, to reference the photo.
        format: Pillow's name for the file format, e.g. ``JPEG``.
        width: Width of the upright photo at full resolution.
        height: Height of the upright photo at full resolution.
        image: The upright RGB image, shrunk to the engine's budget.
    """

    path: Path
    sha256: str
    format: str
    width: int
    height: int
    image: Image.Image

    @property
    def scale(self) -> float:
        """Size of :attr:`image` relative to the full photo (1.0 when not shrunk)."""
        return self.image.width / self.width


def supported_formats() -> tuple[str, ...]:
    """The formats :func:`load_photo` decodes with the installed pillow."""
    Image.init()
    optional = tuple(f for f in OPTIONAL_FORMATS if f in Image.OPEN)
    return tuple(f for f in BASE_FORMATS if f in Image.OPEN) + optional


def load_photo(
    path: Path,
    *,
    max_side: int | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> Photo:
    """Read ``path`` into an upright RGB photo no longer than ``max_side``.

    Raises:
        ImageUnreadable: the file is missing, empty, not a supported image,
            truncated or damaged, or larger than the limits.
    """
    data = _read_bytes(path, max_bytes)
    image = _open(data, path, max_pixels)
    with image:
        width, height = _upright_size(image)
        if max_side is not None and image.format == "JPEG":
            # Decode a JPEG at 1/2, 1/4 or 1/8 scale when that still fits.
            image.draft("RGB", _fitted_size(image.size, max_side))
        upright = _decode(image, path)
        fmt = image.format or "unknown"
    if max_side is not None:
        upright = fit_within(upright, max_side)
    return Photo(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        width=width,
        height=height,
        image=upright,
    )


def fit_within(image: Image.Image, max_side: int) -> Image.Image:
    """``image`` shrunk so that its longest side is at most ``max_side``."""
    size = _fitted_size(image.size, max_side)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)


def _fitted_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    factor = max_side / longest
    return max(1, round(width * factor)), max(1, round(height * factor))


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(path, "not_a_file", "is a folder or device, not a photo")
        if info.st_size == 0:
            raise _unreadable(path, "empty", "is an empty file (0 bytes)")
        if info.st_size > max_bytes:
            raise _unreadable(
                path,
                "too_large",
                f"is {info.st_size / 2**20:.0f} MiB, more than the "
                f"{max_bytes / 2**20:.0f} MiB a photo may be",
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise _unreadable(path, "missing", "does not exist") from exc
    except OSError as exc:
        raise _unreadable(
            path, "unreadable", f"cannot be read ({exc.strerror})"
        ) from exc


def _open(data: bytes, path: Path, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        # Our own pixel limit applies below; pillow's warning would only repeat it.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=supported_formats())
        except Image.DecompressionBombError as exc:
            raise _too_many_pixels(path, max_pixels) from exc
        except UnidentifiedImageError as exc:
            raise _not_an_image(data, path) from exc
        except _DECODE_ERRORS as exc:
            raise _damaged(path, exc) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise _unreadable(path, "empty", "has no pixels")
    if width * height > max_pixels:
        image.close()
        raise _too_many_pixels(path, max_pixels, (width, height))
    return image


def _upright_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    try:
        orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    except _DECODE_ERRORS:
        return width, height
    return (height, width) if orientation in _SIDEWAYS else (width, height)


def _decode(image: Image.Image, path: Path) -> Image.Image:
    try:
        image.load()
    except _DECODE_ERRORS as exc:
        raise _damaged(path, exc) from exc
    try:
        upright = ImageOps.exif_transpose(image)
    except (*_DECODE_ERRORS, KeyError, TypeError):
        upright = image.copy()  # A broken EXIF block: keep the pixels as stored.
    return _to_rgb(upright)


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _stretched(image.convert("F" if mode == "F" else "I"))
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _stretched(image: Image.Image) -> Image.Image:
    """A 16-bit or float image spread over 0-255 and made RGB."""
    low, high = image.getextrema()
    assert isinstance(low, int | float) and isinstance(high, int | float)
    factor = 255 / (high - low) if high > low else 0.0
    gray = image.point(lambda value: (value - low) * factor).convert("L")
    return gray.convert("RGB")


def _unreadable(path: Path, reason: str, what: str) -> ImageUnreadable:
    return ImageUnreadable(f"{path.name} {what}.", path=path, reason=reason)


def _too_many_pixels(
    path: Path, max_pixels: int, size: tuple[int, int] | None = None
) -> ImageUnreadable:
    shown = f"{size[0]} x {size[1]} pixels" if size else "too many pixels"
    return _unreadable(
        path,
        "too_large",
        f"is {shown}, more than the {max_pixels / 1e6:.0f} megapixels a photo may "
        "be; take the photo again or send a smaller copy",
    )


def _not_an_image(data: bytes, path: Path) -> ImageUnreadable:
    head = data[:16]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _unreadable(
            path,
            "unsupported_format",
            "is a HEIC photo, which this installation cannot read; set the phone "
            "camera to 'Most compatible' (JPEG) or convert the photo",
        )
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return _unreadable(
                path,
                "unsupported_format",
                f"is {kind}; use a photo in JPEG, PNG, WebP or TIFF format",
            )
    return _unreadable(
        path, "not_an_image", "is not an image (expected a JPEG, PNG, WebP or TIFF)"
    )


def _damaged(path: Path, exc: BaseException) -> ImageUnreadable:
    detail = str(exc) or type(exc).__name__
    reason = "truncated" if "truncat" in detail.lower() else "unreadable"
    return _unreadable(
        path,
        reason,
        f"is damaged or incomplete ({detail}); copy it again from the camera",
    )
