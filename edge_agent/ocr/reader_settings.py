"""What the photo pipeline may do: its steps, time budgets and size limits.

:class:`ReaderSettings` holds every step of the photo reader that can be
turned off, with the figures that decided its default; :func:`settings_for`
gives the steps that pay for an engine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from edge_agent.ocr.images import MAX_FILE_BYTES, MAX_PIXELS


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """Limits of the pipeline.

    Attributes:
        rotation_budget: Seconds after the photo was opened past which no
            further rotated reading is started.
        upright_score: Mean recognition score from which text counts as read
            the right way up (no rotated retry when it holds no code).
        reread_below: Boxes scoring less are read again turned half round,
            by engines that can (:class:`TurnReader`).
        look_below: Boxes scoring less get a second look at their region
            (enlarged, full contrast), as do labels with no value after them.
        region_looks: Whether the second look at doubtful regions runs (on:
            once readouts were treated by their face's polarity, it raised
            recall on the tuning photos, seven-segment most, with no loss of
            precision; see README).
        dewarp: Whether labels whose boxes show a bend (a line read as one
            box much thicker than its neighbours, boxes of one label tilted
            different ways) are straightened and read again, region by region
            (on: on the tuning photos it raised recall on curved labels with
            no loss of precision elsewhere; see README).
        plate_looks: Whether a photo with nothing code-shaped has each place
            dense in small dark marks (a dot-peen or engraved plate) read
            again on its own, dots joined (see README).
        joined_marks: Whether a photo with nothing code-shaped is read once
            more with dark marks joined (dot-peen, segments); off, as above.
        sharpened_look: Whether a photo in which the detector found no text
            at all is read once more sharpened, its codes marked to check
            (on: it raised defocused photos' recall on the tuning photos;
            see README).
        look_budget: Seconds after the photo was opened past which no second
            look is started.
        max_bytes: Largest photo file accepted.
        max_pixels: Largest photo accepted, in pixels.
    """

    rotation_budget: float = 2.5
    upright_score: float = 0.85
    reread_below: float = 0.9
    look_below: float = 0.8
    region_looks: bool = True
    dewarp: bool = True
    plate_looks: bool = True
    joined_marks: bool = False
    sharpened_look: bool = True
    look_budget: float = 2.5
    max_bytes: int = MAX_FILE_BYTES
    max_pixels: int = MAX_PIXELS


def settings_for(engine_name: str) -> ReaderSettings:
    """The reader's steps for an engine: all of them for RapidOCR; for
    tesseract, no second look at regions or plates and no sharpened look.
    Every tesseract reading starts a process, so those readings spend the
    time budget that turning a photo upright needs (on the first 60 photos of
    the easy set, recall 0.57 with them all; 0.66 without the region and
    sharpened looks; then 0.71 against 0.75 without the plate look too, on a
    quieter machine)."""
    if engine_name == "tesseract":
        return replace(
            ReaderSettings(),
            region_looks=False,
            sharpened_look=False,
            plate_looks=False,
        )
    return ReaderSettings()
