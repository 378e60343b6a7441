"""Loading photos: formats, orientation, limits and every kind of bad file."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from edge_agent.errors import EdgeAgentError
from edge_agent.ocr import ImageUnreadable, load_photo, supported_formats
from edge_agent.ocr.images import fit_within


def photo_bytes(
    fmt: str, *, size: tuple[int, int] = (64, 48), mode: str = "RGB", **options: Any
) -> bytes:
    image = Image.new(mode, size, "white" if mode in ("RGB", "RGBA", "L") else 0)
    if mode == "RGB":
        image.paste((200, 0, 0), (0, 0, 8, 8))  # a red corner marks "top left"
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def rgb_at(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple) and len(value) == 3
    return value[0], value[1], value[2]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason_for(path: Path, **limits: int) -> ImageUnreadable:
    with pytest.raises(ImageUnreadable) as caught:
        load_photo(path, **limits)
    assert isinstance(caught.value, EdgeAgentError)
    assert caught.value.path == path
    assert path.name in caught.value.message
    return caught.value


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        ("JPEG", "jpg"),
        ("PNG", "png"),
        ("WEBP", "webp"),
        ("TIFF", "tif"),
    ],
)
def test_common_photo_formats_load_as_rgb(
    tmp_path: Path, fmt: str, suffix: str
) -> None:
    data = photo_bytes(fmt)
    photo = load_photo(write(tmp_path, f"p.{suffix}", data))

    assert (photo.format, photo.width, photo.height) == (fmt, 64, 48)
    assert photo.image.mode == "RGB" and photo.scale == 1.0
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored a quarter turn anticlockwise: turn clockwise to view
    stored = Image.new("RGB", (48, 64), "white")
    stored.paste((200, 0, 0), (0, 56, 8, 64))  # the red corner, stored bottom left
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif, quality=95)

    photo = load_photo(write(tmp_path, "sideways.jpg", buffer.getvalue()))

    assert (photo.width, photo.height) == (64, 48)
    red, green, _ = rgb_at(photo.image, 3, 3)
    assert red > 150 and green < 80


def test_transparency_becomes_white_and_16_bit_is_stretched(tmp_path: Path) -> None:
    clear = load_photo(write(tmp_path, "clear.png", photo_bytes("PNG", mode="RGBA")))
    assert clear.image.getpixel((30, 30)) == (255, 255, 255)

    deep = Image.new("I;16", (32, 32), 1000)
    deep.paste(60000, (0, 0, 16, 32))
    buffer = io.BytesIO()
    deep.save(buffer, "TIFF")
    photo = load_photo(write(tmp_path, "deep.tif", buffer.getvalue()))
    assert photo.image.mode == "RGB"
    assert photo.image.getpixel((0, 0)) == (255, 255, 255)
    assert photo.image.getpixel((31, 0)) == (0, 0, 0)


def test_large_photos_are_shrunk_to_the_engine_budget(tmp_path: Path) -> None:
    path = write(tmp_path, "big.jpg", photo_bytes("JPEG", size=(4000, 3000)))

    photo = load_photo(path, max_side=1600)

    assert photo.image.size == (1600, 1200)
    assert (photo.width, photo.height) == (4000, 3000)
    assert photo.scale == pytest.approx(0.4)
    assert fit_within(photo.image, 2000) is photo.image


def test_a_missing_file(tmp_path: Path) -> None:
    assert reason_for(tmp_path / "nope.jpg").reason == "missing"


def test_a_folder(tmp_path: Path) -> None:
    (tmp_path / "photos.jpg").mkdir()
    assert reason_for(tmp_path / "photos.jpg").reason == "not_a_file"


def test_a_zero_byte_file(tmp_path: Path) -> None:
    error = reason_for(write(tmp_path, "empty.jpg", b""))
    assert error.reason == "empty" and "0 bytes" in error.message


def test_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    error = reason_for(write(tmp_path, "notes.jpg", b"E-42 pump tripped again\n" * 20))
    assert error.reason == "not_an_image"
    assert "JPEG, PNG, WebP or TIFF" in error.message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_photo(tmp_path: Path, fmt: str) -> None:
    noisy = Image.effect_noise((640, 480), 60).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, fmt)
    data = buffer.getvalue()

    error = reason_for(write(tmp_path, f"cut.{fmt.lower()}", data[: len(data) // 2]))

    assert error.reason in ("truncated", "unreadable")
    assert "damaged or incomplete" in error.message


def _png_header_claiming(width: int, height: int) -> bytes:
    data = bytearray(photo_bytes("PNG", size=(1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_an_enormous_image_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = write(tmp_path, "bomb.png", _png_header_claiming(100_000, 100_000))
    assert reason_for(bomb).reason == "too_large"

    large = write(tmp_path, "large.png", _png_header_claiming(10_000, 9_000))
    error = reason_for(large)
    assert error.reason == "too_large" and "10000 x 9000" in error.message


def test_pixel_and_byte_limits_are_settings(tmp_path: Path) -> None:
    path = write(tmp_path, "p.png", photo_bytes("PNG"))

    assert reason_for(path, max_pixels=1000).reason == "too_large"
    assert reason_for(path, max_bytes=10).reason == "too_large"


def test_other_formats_get_a_clear_message(tmp_path: Path) -> None:
    gif = reason_for(write(tmp_path, "anim.gif", photo_bytes("GIF", mode="P")))
    assert gif.reason == "unsupported_format" and "GIF" in gif.message

    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    if "HEIF" not in supported_formats():
        error = reason_for(write(tmp_path, "IMG_0001.HEIC", heic))
        assert error.reason == "unsupported_format" and "HEIC" in error.message


def test_supported_formats_include_the_base_four() -> None:
    assert {"JPEG", "PNG", "WEBP", "TIFF"} <= set(supported_formats())
