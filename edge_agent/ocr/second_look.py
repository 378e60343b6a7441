"""A second look where the first pass was unsure: only there, within a budget.

After the first pass, these earn another reading:

* **Regions**: a box read with a low score, a printed P/N or S/N label with
  no value after it, or a readout of digits that holds no code. The region
  alone is cut out (for a label, with the room to its right where the value
  should be), enlarged when its text is small, taken at its brightest colour
  channel (lit segments are saturated) and stretched to full contrast; a
  readout is also cut to black and white, keeping only the marks at the
  lit end of its range (the darkest on a bright LCD face, the brightest on
  a dark one), which drops unlit segments that show faintly. Its new
  reading replaces the boxes it covers only when it scores better or finds
  more, and never when the old reading held a code and the new one holds
  none (a faint code read again as a word is still the code to check).
* **Joined marks**: when the whole pass found nothing code-shaped, the photo
  is read once more with dark marks thickened (a grey minimum filter), which
  joins the dots of a dot-peen plate and the segments of a readout into
  strokes the text detector finds.
* **Sharpened**: when the detector found no text at all (a photo out of
  focus blurs letters below what it sees as text), the photo is read once
  more through an unsharp mask that restores the edges of strokes a few
  pixels wide.

All three work on pillow images only; the engine does the reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat

from edge_agent.ocr.engine import Box, OcrEngine, TextBox
from edge_agent.ocr.lines import TextLine

MAX_REGIONS = 4
"""Most regions looked at again in one photo."""

SMALL_TEXT_PX = 28.0
"""Text thinner than this (pixels) is enlarged for the second look."""

MAX_ENLARGE = 3.0
"""Largest enlargement of a region."""

LABEL_ROOM = 12.0
"""How far right of a bare label the value is looked for, in text heights."""

GAIN = 0.03
"""How much better a region's second reading must score to replace the first."""

SHARPEN_RADIUS = 5
"""Radius of the unsharp mask, in pixels of the photo as read (1600 px side)."""

SHARPEN_PERCENT = 300
"""Strength of the unsharp mask: how much of the edge detail is added back."""

READOUT_CUT = 0.6
"""Share of a readout's brightness range, counted from the face's end, past
which a pixel counts as lit."""

_READOUT = re.compile(r"[-0-9]{3,7}")
_BARE_LABEL = re.compile(
    r"(?:P\s?/\s?N|PART\s?(?:NO|NUMBER)|[S5]\s?/\s?N|SER(?:IAL)?\.?\s?NO)\.?\s*[:#.]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Region:
    """A place to read again: an upright rectangle and the boxes it covers."""

    left: int
    top: int
    right: int
    bottom: int
    covered: tuple[int, ...]
    thickness: float
    readout: bool = False


def doubtful_regions(
    boxes: Sequence[TextBox],
    lines: Sequence[TextLine],
    size: tuple[int, int],
    *,
    below: float,
    holds_code: Callable[[str], bool],
) -> list[_Region]:
    """Regions of low-scoring boxes, of labels with no value after them, and
    of readouts of digits in which ``holds_code`` finds no code."""
    regions = []
    for index, box in enumerate(boxes):
        readout = _is_readout(box.text) and not holds_code(box.text)
        if (box.score < below and len(box.text) >= 2) or readout:
            regions.append(_around(box.box, size, (index,), right=0.0, readout=readout))
    for line in lines:
        if _BARE_LABEL.search(line.text):
            last = line.parts[-1]
            covered = tuple(i for i, b in enumerate(boxes) if b in line.parts)
            regions.append(_around(last.box, size, covered, right=LABEL_ROOM))
    regions.sort(
        key=lambda r: min(boxes[i].score for i in r.covered) if r.covered else 0
    )
    return regions[:MAX_REGIONS]


def _is_readout(text: str) -> bool:
    return bool(_READOUT.fullmatch(text)) and sum(c.isdigit() for c in text) >= 2


def _around(
    box: Box,
    size: tuple[int, int],
    covered: tuple[int, ...],
    *,
    right: float,
    readout: bool = False,
) -> _Region:
    pad = box.thickness * 0.6
    width, height = size
    return _Region(
        max(0, int(box.left - pad)),
        max(0, int(box.top - pad)),
        min(width, int(box.right + pad + right * box.thickness)),
        min(height, int(box.bottom + pad)),
        covered,
        box.thickness,
        readout,
    )


def look_again(
    engine: OcrEngine,
    image: Image.Image,
    boxes: Sequence[TextBox],
    regions: Sequence[_Region],
    *,
    holds_code: Callable[[str], bool],
) -> list[TextBox]:
    """``boxes`` with each region's better second reading in place of its
    boxes; a reading in which ``holds_code`` finds no code never replaces
    one in which it finds a code."""
    result = list(boxes)
    dropped: set[int] = set()
    added: list[TextBox] = []
    for region in regions:
        if region.right - region.left < 8 or region.bottom - region.top < 8:
            continue
        found = _read_region(engine, image, region)
        if not found:
            continue
        others = [b.box for i, b in enumerate(boxes) if i not in region.covered]
        found = [b for b in found if not any(_within(b.box, o) for o in others)]
        old = [boxes[i] for i in region.covered]
        if _loses_a_code(found, old, holds_code):
            continue
        if found and better_reading(found, old):
            dropped.update(region.covered)
            added.extend(found)
    return [b for i, b in enumerate(result) if i not in dropped] + added


def _loses_a_code(
    found: Sequence[TextBox],
    old: Sequence[TextBox],
    holds_code: Callable[[str], bool],
) -> bool:
    def any_code(boxes: Sequence[TextBox]) -> bool:
        return any(holds_code(b.text) for b in boxes)

    return any_code(old) and not any_code(found)


def _within(box: Box, other: Box) -> bool:
    """The centre of ``box`` lies inside ``other``'s upright rectangle."""
    x, y = box.center
    return other.left <= x <= other.right and other.top <= y <= other.bottom


def _read_region(
    engine: OcrEngine, image: Image.Image, region: _Region
) -> list[TextBox]:
    crop = image.crop((region.left, region.top, region.right, region.bottom))
    factor = min(MAX_ENLARGE, max(1.0, SMALL_TEXT_PX / max(region.thickness, 1.0)))
    if factor > 1.05:
        size = (round(crop.width * factor), round(crop.height * factor))
        crop = crop.resize(size, Image.Resampling.LANCZOS)
    crop = _treated(crop, readout=region.readout)
    return [b.from_crop(region.left, region.top, factor) for b in engine.read(crop)]


def _treated(crop: Image.Image, *, readout: bool) -> Image.Image:
    """The crop at its brightest channel, full contrast; a readout also cut to
    black text on white, its lit marks being those past :data:`READOUT_CUT`
    of its range from the face's end."""
    red, green, blue = crop.convert("RGB").split()
    grey = ImageOps.autocontrast(
        ImageChops.lighter(ImageChops.lighter(red, green), blue), cutoff=2
    )
    if readout:
        low, high = (float(v) for v in grey.getextrema())  # type: ignore[arg-type]
        if ImageStat.Stat(grey).median[0] > (low + high) / 2:
            # A bright face (an LCD): the lit segments are the darkest marks,
            # unlit ones a paler grey between them and the face.
            cut = high - (high - low) * READOUT_CUT
            grey = grey.point(lambda v: 0 if v < cut else 255)
        else:
            # A dark face (LEDs, a backlit screen): the lit segments are the
            # brightest marks; they become black text on white.
            cut = low + (high - low) * READOUT_CUT
            grey = grey.point(lambda v: 0 if v > cut else 255)
    return grey.convert("RGB")


def better_reading(found: Sequence[TextBox], old: Sequence[TextBox]) -> bool:
    """A region's new reading beats its old one: it scores :data:`GAIN` better,
    or finds more text (a label's value) and reads it well."""
    return _score(found) >= _score(old) + GAIN or _longer(found, old)


def _score(boxes: Sequence[TextBox]) -> float:
    total = sum(len(b.text) for b in boxes)
    return sum(b.score * len(b.text) for b in boxes) / total if total else 0.0


def _longer(found: Sequence[TextBox], old: Sequence[TextBox]) -> bool:
    """The second reading found text the first missed (a label's value), as well."""
    length = sum(len(b.text) for b in found)
    return length > sum(len(b.text) for b in old) + 3 and _score(found) >= 0.8


def joined_marks(image: Image.Image) -> Image.Image:
    """The photo with dark marks thickened: dots and segments join into strokes."""
    grey = ImageOps.autocontrast(ImageOps.grayscale(image), cutoff=1)
    return grey.filter(ImageFilter.MinFilter(3)).convert("RGB")


def sharpened(image: Image.Image) -> Image.Image:
    """The photo through an unsharp mask: a defocused stroke's edges come back."""
    return image.convert("RGB").filter(
        ImageFilter.UnsharpMask(
            radius=SHARPEN_RADIUS, percent=SHARPEN_PERCENT, threshold=2
        )
    )
