"""The photo pipeline: load, read, retry rotated if needed, extract, look up.

1. Load the photo with pillow (orientation, limits) at the engine's budget.
2. Read it once as it stands (the engine's angle classifier stays off). Boxes
   read poorly are recognised again turned half round, when the engine can
   (an upside-down label among upright ones costs a few crops, not a pass).
3. When that finds nothing code-shaped, each place dense in small dark marks
   (a dot-peen or engraved plate) is read again on its own, with its dots
   joined (:mod:`~edge_agent.ocr.plates`). When the detector found no text
   at all, the photo is read once more sharpened (a photo out of focus), its
   codes marked to check.
4. Only when that finds nothing code-shaped either and the text found looks
   sideways or garbled, read it again turned 180, 90 and 270 degrees (the
   likeliest first), until a code turns up or the time budget is spent.
5. Group the text into lines, extract codes with the KB's declared formats,
   look each code up (exact first), and return one :class:`OcrResult`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from edge_agent.ocr.dewarp import straighten_bends
from edge_agent.ocr.engine import Box, OcrEngine, Point, TextBox, TurnReader
from edge_agent.ocr.extraction import FoundCode, extract_codes
from edge_agent.ocr.images import Photo, load_photo
from edge_agent.ocr.lines import TextLine, group_lines
from edge_agent.ocr.lookup import checked, correct_code, lookup_code
from edge_agent.ocr.plates import read_plates
from edge_agent.ocr.reader_settings import ReaderSettings, settings_for
from edge_agent.ocr.results import CodeLookup, OcrResult, ReadCode
from edge_agent.ocr.second_look import (
    doubtful_regions,
    joined_marks,
    look_again,
    sharpened,
)
from edge_agent.ocr.turning import reread_turned
from knowledge_cache import (
    CodeKind,
    CuedFormats,
    FormatSet,
    KnowledgeStore,
    cued_formats_of,
)

Clock = Callable[[], float]

_TURNS = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}
TREATED_FACTOR = 0.75
"""Confidence kept by a code read only once its marks were joined or the
photo sharpened: below :data:`~edge_agent.ocr.extraction.LOW_CONFIDENCE`
however well it scored."""
JOINED_NOTE = "read with its dots or segments joined: check it"
SHARPENED_NOTE = "read from the photo sharpened (it was out of focus): check it"
_MIN_SIDE = 8
"""Images thinner than this many pixels hold no readable text."""


@dataclass(frozen=True, slots=True)
class _Pass:
    """One reading of the photo at one rotation (boxes in that rotated frame)."""

    rotation: int
    lines: tuple[TextLine, ...]
    codes: tuple[FoundCode, ...]

    @property
    def code_shaped(self) -> bool:
        """Some text matched a declared code format (not just a labelled value)."""
        return any(code.matches_format for code in self.codes)

    @property
    def score(self) -> float:
        """Mean recognition score over all characters read."""
        parts = [p for line in self.lines for p in line.parts]
        total = sum(len(p.text) for p in parts)
        return sum(p.score * len(p.text) for p in parts) / total if total else 0.0

    @property
    def sideways(self) -> bool:
        """Most of the text runs up or down the image rather than across."""
        parts = [p for line in self.lines for p in line.parts]
        tall = sum(len(p.text) for p in parts if 45 < abs(p.box.angle) < 135)
        return tall * 2 > sum(len(p.text) for p in parts)


class PhotoReader:
    """Reads photos with one warm engine and looks codes up in one KB.

    Without ``settings``, the steps are those that pay for the engine
    (:func:`settings_for`).
    """

    def __init__(
        self,
        engine: OcrEngine,
        store: KnowledgeStore,
        *,
        settings: ReaderSettings | None = None,
        clock: Clock = time.perf_counter,
    ) -> None:
        self._engine = engine
        self._store = store
        self._settings = settings or settings_for(engine.name)
        self._clock = clock

    @property
    def engine_name(self) -> str:
        return self._engine.name

    def read(self, path: Path) -> OcrResult:
        """Read every code on the photo at ``path`` and look each one up.

        Raises:
            ImageUnreadable: the photo is missing, empty, damaged, not an
                image or too large.
            OcrError: the engine failed on this photo.
        """
        started = self._clock()
        settings = self._settings
        photo = load_photo(
            path,
            max_side=self._engine.max_side,
            max_bytes=settings.max_bytes,
            max_pixels=settings.max_pixels,
        )
        formats = FormatSet(self._store.code_formats())
        cued = cued_formats_of(self._store.cued_formats(), self._store.is_listed)
        best, notices = self._best_pass(photo.image, formats, cued, started)
        if not formats and not cued.formats:
            notices.append(
                "The knowledge base has no code formats yet, so only values "
                "printed after a label (P/N, S/N, MODEL) were read. Ingest your "
                "code tables (edge-agent kb ingest codes.csv: their formats are "
                "learned from the code column), or declare the formats in a "
                "kb.toml."
            )
        to_photo = _to_photo_frame(photo, best.rotation)
        checked_codes, lookups = self._looked_up(best.codes, to_photo)
        return OcrResult(
            path=path,
            sha256=photo.sha256,
            engine=self._engine.name,
            codes=checked_codes,
            lookups=lookups,
            lines=tuple(_mapped_line(line, to_photo) for line in best.lines),
            seconds=self._clock() - started,
            rotation=best.rotation,
            width=photo.width,
            height=photo.height,
            notices=tuple(notices),
        )

    def correct(
        self,
        typed: str,
        *,
        original: ReadCode | None = None,
        kind: CodeKind | None = None,
    ) -> tuple[ReadCode, CodeLookup]:
        """Look up a code the technician typed; it comes back marked corrected.

        Raises:
            CorrectionInvalid: the typed text is not recognisable as a code.
        """
        formats = FormatSet(self._store.code_formats())
        return correct_code(self._store, formats, typed, original=original, kind=kind)

    def _best_pass(
        self,
        image: Image.Image,
        formats: FormatSet,
        cued: CuedFormats,
        started: float,
    ) -> tuple[_Pass, list[str]]:
        first = self._pass(image, 0, formats, cued, started)
        if first.code_shaped:
            return first, []
        if self._settings.plate_looks and self._in_time(started):
            plated = self._plate_pass(image, first, formats, cued, started)
            if plated.code_shaped:
                return plated, []
        if self._settings.sharpened_look and not first.lines and self._in_time(started):
            sharp = self._pass(sharpened(image), 0, formats, cued, started)
            if sharp.code_shaped:
                return _to_check(sharp, SHARPENED_NOTE), []
        if self._settings.joined_marks and self._in_time(started):
            joined = self._pass(joined_marks(image), 0, formats, cued, started)
            if joined.code_shaped:
                return _to_check(joined, JOINED_NOTE), []
        if not self._worth_turning(first):
            return first, []
        best = first
        for rotation in _turn_order(first):
            if self._clock() - started > self._settings.rotation_budget:
                return best, [
                    "Stopped trying other orientations: the time budget ran out."
                ]
            turned = image.transpose(_TURNS[rotation])
            attempt = self._pass(turned, rotation, formats, cued, started)
            if attempt.code_shaped:
                return attempt, []
            if attempt.score > best.score:
                best = attempt
        return best, []

    def _worth_turning(self, first: _Pass) -> bool:
        return (
            not first.lines
            or first.sideways
            or first.score < self._settings.upright_score
        )

    def _in_time(self, started: float) -> bool:
        return self._clock() - started <= self._settings.look_budget

    def _pass(
        self,
        image: Image.Image,
        rotation: int,
        formats: FormatSet,
        cued: CuedFormats,
        started: float,
    ) -> _Pass:
        boxes: list[TextBox] = []
        if min(image.size) >= _MIN_SIDE:
            boxes = self._engine.read(image)
            if isinstance(self._engine, TurnReader):
                below = self._settings.reread_below
                boxes = reread_turned(self._engine, image, boxes, below=below)
        if self._settings.dewarp and self._in_time(started):
            boxes = straighten_bends(
                self._engine, image, boxes, in_time=lambda: self._in_time(started)
            )
        lines = tuple(group_lines(boxes))
        if self._settings.region_looks and self._in_time(started):
            below = self._settings.look_below

            def holds_code(text: str) -> bool:
                """The text, or a word of it, reads as a code of a known format."""
                pieces = [text, *text.split()]
                return any(formats.match(piece) is not None for piece in pieces)

            regions = doubtful_regions(
                boxes, lines, image.size, below=below, holds_code=holds_code
            )
            if regions:
                boxes = look_again(
                    self._engine, image, boxes, regions, holds_code=holds_code
                )
                lines = tuple(group_lines(boxes))
        return _Pass(rotation, lines, tuple(extract_codes(lines, formats, cued)))

    def _plate_pass(
        self,
        image: Image.Image,
        first: _Pass,
        formats: FormatSet,
        cued: CuedFormats,
        started: float,
    ) -> _Pass:
        boxes = [part for line in first.lines for part in line.parts]
        boxes = read_plates(
            self._engine,
            image,
            boxes,
            straighten=self._settings.dewarp,
            in_time=lambda: self._in_time(started),
        )
        lines = tuple(group_lines(boxes))
        return _Pass(0, lines, tuple(extract_codes(lines, formats, cued)))

    def _looked_up(
        self, codes: Sequence[FoundCode], to_photo: Callable[[Box], Box]
    ) -> tuple[tuple[ReadCode, ...], tuple[CodeLookup, ...]]:
        read, lookups = [], []
        for code in codes:
            lookup = lookup_code(self._store, code.kind, code.value)
            line_box = to_photo(code.line_box) if code.line_box else None
            in_photo = replace(code, box=to_photo(code.box), line_box=line_box)
            read.append(checked(in_photo, lookup))
            lookups.append(lookup)
        return tuple(read), tuple(lookups)


def _to_check(treated: _Pass, note: str) -> _Pass:
    """A pass read from a treated photo: each code marked for the technician
    to check (a dot joined wrongly or an edge sharpened into another stroke
    reads as another character)."""
    codes = tuple(
        replace(
            code,
            confidence=code.confidence * TREATED_FACTOR,
            notes=(*code.notes, note),
        )
        for code in treated.codes
    )
    return replace(treated, codes=codes)


def _turn_order(first: _Pass) -> tuple[int, ...]:
    """Rotations to try, likeliest first: sideways or unseen text, a quarter turn."""
    if first.sideways or not first.lines:
        return (270, 90, 180)
    return (180, 90, 270)


def _to_photo_frame(photo: Photo, rotation: int) -> Callable[[Box], Box]:
    """Maps boxes from the turned, shrunk image back to full-size photo pixels."""
    width, height = photo.image.size
    back = 1 / photo.scale

    def unturn(point: Point) -> Point:
        x, y = point
        if rotation == 90:
            x, y = width - y, x
        elif rotation == 180:
            x, y = width - x, height - y
        elif rotation == 270:
            x, y = y, height - x
        return x * back, y * back

    return lambda box: box.mapped(unturn)


def _mapped_line(line: TextLine, to_photo: Callable[[Box], Box]) -> TextLine:
    return TextLine(
        tuple(TextBox(p.text, to_photo(p.box), p.score) for p in line.parts)
    )
