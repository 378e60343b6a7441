"""``edge-agent ocr --crops DIR``: each uncertain code's crop saved as a PNG.

The folder is checked before any photo is read, so a folder that cannot take
the crops costs nothing but the message. File names hold the photo's name,
the start of its SHA-256 (two photos called ``label.jpg`` never collide), the
code's place in the list and the code itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from edge_agent.errors import ConfigError

if TYPE_CHECKING:
    from edge_agent.ocr import OcrResult

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def check_crops_folder(folder: Path) -> None:
    """Make sure ``folder`` exists and can take files.

    Raises:
        ConfigError: it is missing, not a folder, or not writable; the
            message says what to do.
    """
    if not folder.exists():
        raise ConfigError(
            f"The crops folder {folder} does not exist; create it "
            f"(mkdir -p {folder}) or give another one to --crops."
        )
    if not folder.is_dir():
        raise ConfigError(
            f"{folder} is a file, not a folder; give --crops a folder for the crops."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"The crops folder {folder} cannot be written to; give --crops a "
            "folder of your own, or change its permissions."
        )


def crop_name(result: OcrResult, index: int) -> str:
    """``label-3f2a9c1d-1-E-42.png``: photo, hash, place in the list, code."""
    value = _UNSAFE.sub("_", result.codes[index].value).strip("_") or "code"
    return f"{result.path.stem}-{result.sha256[:8]}-{index + 1}-{value}.png"


def save_crops(result: OcrResult, folder: Path) -> dict[int, Path]:
    """Save the crop of each uncertain code of ``result`` in ``folder``.

    Raises:
        ImageUnreadable: the photo cannot be read again, or changed.
        ConfigError: a crop cannot be written (the folder filled up, or
            was removed meanwhile).
    """
    from edge_agent.ocr.crops import uncertain_crops

    saved = {}
    for index, crop in uncertain_crops(result).items():
        path = folder / crop_name(result, index)
        try:
            crop.save(path, format="PNG")
        except OSError as exc:
            raise ConfigError(
                f"The crop {path.name} cannot be written to {folder} "
                f"({exc.strerror or exc}); free some space or give --crops "
                "another folder."
            ) from exc
        saved[index] = path
    return saved
