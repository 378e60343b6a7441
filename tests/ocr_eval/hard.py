"""Seeded hard photos: one field condition per photo, in measured degrees.

Usage::

    python -m tests.ocr_eval.hard OUT_DIR [--split tuning|held_out] [--per-case 2]

Each photo shows one item style (part label, nameplate, scanner screen,
seven-segment readout, dot-peen plate, engraved plate) under exactly one
condition at one level, so figures can be given per condition, per level and
per style. Conditions and their levels (``LEVELS``) are measured, not
described: blur sigma and shake length in capital heights, glare as the share
of white over the code, small text as the capital height in pixels of a
1600 px photo, and so on. ``none`` is the same styles with no condition.

Photos are 1600 px on their long side, JPEG as phones save them. The truth
(``truth.json``) holds, per photo, the style, condition, level and its
parameters, the capital height of the smallest code in the photo, and every
code drawn, found by the demo KB's declared formats in the strings drawn.

Splits: photo ``k`` of a split is rendered from seed ``first + k`` of the
split's range. The tuning range is for choosing and measuring reading steps;
the held-out range is frozen here, before any measurement, and is only ever
read for the figures reported after tuning.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from knowledge_cache import CodeKind
from knowledge_cache.code_keys import iter_format_matches
from tests.ocr_eval import effects
from tests.ocr_eval.generate import kb_formats
from tests.ocr_eval.marks import SegmentLook, dot_peen, engraved, seven_segment
from tests.ocr_eval.scenes import (
    FAMILIES,
    Item,
    Pools,
    font,
    load_pools,
    nameplate,
    part_label,
    screen,
)

SPLITS = {"tuning": range(230_000, 240_000), "held_out": range(970_000, 980_000)}
"""Seed ranges. ``held_out`` is frozen: never rendered while tuning."""
TRUTH_FILE = "truth.json"
LONG_SIDE = 1600
"""Long side of every photo, in pixels."""
STYLES = ("part_label", "nameplate", "screen", "seven_segment", "dot_peen", "engraved")
LEVELS: dict[str, tuple[dict[str, float], ...]] = {
    "none": ({},),
    "curved": ({"bow_of_width": 0.06}, {"bow_of_width": 0.12}),
    "worn": (
        {"specks_per_10k_px": 4, "scratches": 5, "contrast": 0.65},
        {"specks_per_10k_px": 9, "scratches": 12, "contrast": 0.45},
    ),
    "glare": ({"white_over_code": 0.6}, {"white_over_code": 0.8}),
    "small_text": ({"cap_px": 15}, {"cap_px": 12}),
    "low_light": (
        {"brightness": 0.45, "noise_sigma": 8},
        {"brightness": 0.3, "noise_sigma": 14},
    ),
    "defocus": ({"sigma_caps": 0.1}, {"sigma_caps": 0.18}),
    "motion_blur": ({"length_caps": 0.25}, {"length_caps": 0.45}),
    "occlusion": ({"covered_of_height": 0.15}, {"covered_of_height": 0.3}),
    "oblique": ({"tilt": 0.25}, {"tilt": 0.4}),
    "rotation": ({"degrees": 25}, {"degrees": 90}, {"degrees": 180}),
    "segment_bleed": ({"bleed_of_width": 0.3}, {"bleed_of_width": 0.6}),
    "segment_ghost": ({"unlit_share": 0.15}, {"unlit_share": 0.3}),
    "two_items": ({"items": 2},),
    "distractors": ({"numbers": 1}, {"numbers": 2}),
}
"""Each condition's levels, mildest first, with the parameters they set."""
ONLY_FOR = {
    "curved": ("part_label", "nameplate", "dot_peen", "engraved"),
    "worn": ("part_label", "nameplate", "dot_peen", "engraved"),
    "segment_bleed": ("seven_segment",),
    "segment_ghost": ("seven_segment",),
}
"""Conditions that belong to some styles only (a screen does not wear)."""
CASES = tuple(
    (c, level) for c, levels in LEVELS.items() for level in range(len(levels))
)
"""Every (condition, level index); photo ``k`` shows ``CASES[k % len(CASES)]``."""
CAP_RANGE = (22.0, 36.0)
"""Capital height (photo pixels) of the codes when the condition is not small text."""


@dataclass(frozen=True, slots=True)
class HardCode:
    kind: str
    value: str
    known: bool | None


@dataclass(slots=True)
class HardTruth:
    file: str
    seed: int
    style: str
    condition: str
    level: int
    parameters: dict[str, float]
    cap_px: float
    """Capital height of the smallest code in the photo, in photo pixels."""
    size: tuple[int, int]
    codes: list[HardCode] = field(default_factory=list)


def generate(
    out_dir: Path,
    *,
    split: str = "tuning",
    per_case: int = 2,
    only: Sequence[str] = (),
    styles: Sequence[str] = (),
) -> list[HardTruth]:
    """Render ``per_case`` photos of every case into ``out_dir`` with their truth.

    With ``only``, just the photos of those conditions, and with ``styles``,
    of those item styles (same seeds, same pixels as in the whole set).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = SPLITS[split]
    truths = []
    for k in range(per_case * len(CASES)):
        condition, _, style = case_of(k)
        if (only and condition not in only) or (styles and style not in styles):
            continue
        truth, image = render(k, seeds[k])
        image.save(out_dir / truth.file, quality=85)
        truths.append(truth)
    payload = {
        "split": split,
        "per_case": per_case,
        "only": sorted(only),
        "styles": sorted(styles),
        "images": [asdict(t) for t in truths],
    }
    (out_dir / TRUTH_FILE).write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return truths


def load_truth(folder: Path) -> list[HardTruth]:
    data = json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))
    truths = []
    for entry in data["images"]:
        codes = [HardCode(**code) for code in entry.pop("codes")]
        entry["size"] = tuple(entry["size"])
        truths.append(HardTruth(**entry, codes=codes))
    return truths


def case_of(k: int) -> tuple[str, int, str]:
    """Condition, level and style of photo ``k`` of a split."""
    condition, level = CASES[k % len(CASES)]
    styles = ONLY_FOR.get(condition, STYLES)
    # Each further round of cases moves every case on to its next style.
    turn = k // len(CASES) + k % len(CASES)
    return condition, level, styles[turn % len(styles)]


def render(k: int, seed: int) -> tuple[HardTruth, Image.Image]:
    """Photo ``k`` of a split, drawn from ``seed``, and its truth."""
    condition, level, style = case_of(k)
    params = LEVELS[condition][level]
    rng = random.Random(f"hard:{seed}")
    pools = load_pools()
    count = 2 if condition == "two_items" else 1
    items = [
        _item(rng, pools, style if i == 0 else rng.choice(STYLES), condition, params, k)
        for i in range(count)
    ]
    portrait = rng.random() < 0.35
    size = (
        (LONG_SIDE * 3 // 4, LONG_SIDE) if portrait else (LONG_SIDE, LONG_SIDE * 3 // 4)
    )
    canvas = effects.background(rng, size)
    caps = []
    for item, cell in zip(items, _cells(size, count), strict=True):
        canvas, cap = _place(rng, canvas, item, cell, condition, params)
        caps.append(cap)
    cap_px = min(caps)
    photo = _camera(rng, canvas, condition, params, cap_px)
    truth = HardTruth(
        file=f"{k:04d}-{condition}-{level}-{style}.jpg",
        seed=seed,
        style=style,
        condition=condition,
        level=level,
        parameters=dict(params),
        cap_px=round(cap_px, 1),
        size=photo.size,
        codes=codes_of(items, pools),
    )
    return truth, photo


def codes_of(items: Sequence[Item], pools: Pools) -> list[HardCode]:
    """Every code in the strings the items drew, once each (the KB's formats)."""
    found: dict[tuple[str, str], HardCode] = {}
    for item in items:
        for text in item.texts:
            for fmt, value in iter_format_matches(text, kb_formats()):
                known: bool | None = None
                if fmt.kind is CodeKind.FAULT_CODE:
                    known = value in pools.faults
                elif fmt.kind is CodeKind.PART_NUMBER:
                    known = value in pools.parts
                found.setdefault(
                    (fmt.kind.value, value), HardCode(fmt.kind.value, value, known)
                )
    return list(found.values())


def code_rows(item: Item) -> list[int]:
    """Indices of the item's rows that carry a code."""
    formats = kb_formats()
    return [
        i
        for i, text in enumerate(item.texts)
        if any(iter_format_matches(text, formats))
    ]


def distractor(rng: random.Random, digits_only: bool = False) -> str:
    """A number shaped like part of a code that no declared format matches."""
    family = rng.choice(FAMILIES)
    while True:
        if digits_only:
            text = str(rng.randint(10, 9999))
        else:
            text = rng.choice(
                (
                    f"{family.part_prefix}-{rng.randint(10, 99)}",
                    f"{rng.randint(10, 99)}.{rng.randint(0, 9)} V",
                    f"H-{rng.randint(10, 99)}",
                    f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}",
                    f"REF {rng.randint(100, 999)}-{rng.choice('ABDK')}"
                    f"{rng.randint(0, 9)}",
                    f"{family.fault_letter}{rng.randint(10, 99)}",
                )
            )
        if not any(iter_format_matches(text, kb_formats())):
            return text


def _item(
    rng: random.Random,
    pools: Pools,
    style: str,
    condition: str,
    params: dict[str, float],
    k: int,
) -> Item:
    numbers = int(params.get("numbers", 0)) if condition == "distractors" else 0
    unknown = k % 5 == 0
    if style == "seven_segment":
        look = SegmentLook(
            digit_px=96,
            bleed=params.get("bleed_of_width", 0.0),
            ghost=params.get("unlit_share", 0.05),
        )
        extra = "  ".join(distractor(rng, digits_only=True) for _ in range(numbers))
        return seven_segment(rng, pools, look=look, unknown=unknown, distractor=extra)
    extra = "  ".join(distractor(rng) for _ in range(numbers))
    if style == "dot_peen":
        return dot_peen(rng, pools, distractor=extra)
    if style == "engraved":
        return engraved(rng, pools, distractor=extra)
    makers: dict[str, Callable[[], Item]] = {
        "part_label": lambda: part_label(rng, pools),
        "nameplate": lambda: nameplate(rng, pools),
        "screen": lambda: screen(rng, pools, unknown=unknown),
    }
    item = makers[style]()
    if extra:
        _beside_code(item, extra)
    return item


def _beside_code(item: Item, text: str) -> None:
    """``text`` printed to the right of the item's first code row (item widened)."""
    index = (code_rows(item) or [0])[0]
    top, bottom, cap = item.rows[index]
    size = int(cap / 0.72)
    face = font(item.fonts[min(index, len(item.fonts) - 1)], size)
    draw = ImageDraw.Draw(item.image)
    width = int(draw.textlength(text, font=face) + size * 1.5)
    grown = Image.new(
        "RGBA", (item.image.width + width, item.image.height), (0, 0, 0, 0)
    )
    grown.paste(item.image, (0, 0))
    paper = (*item.paper, 255)
    ImageDraw.Draw(grown).rectangle(
        (item.image.width - 20, 0, grown.width - 1, item.image.height - 1), fill=paper
    )
    ink = (20, 20, 20) if sum(item.paper) > 380 else (230, 230, 230)
    ImageDraw.Draw(grown).text((item.image.width, top), text, font=face, fill=ink)
    item.image = grown
    item.texts[index] += "  " + text


def _cells(
    size: tuple[int, int], count: int
) -> list[tuple[float, float, float, float]]:
    w, h = size
    if count == 1:
        return [(0, 0, w, h)]
    if w >= h:
        return [(i * w / count, 0, (i + 1) * w / count, h) for i in range(count)]
    return [(0, i * h / count, w, (i + 1) * h / count) for i in range(count)]


def _surface(
    rng: random.Random, item: Item, condition: str, params: dict[str, float]
) -> Image.Image:
    """The item with what happens on its surface: wear, glare, a thumb, a curve."""
    image = item.image
    rows = [item.rows[i] for i in code_rows(item)] or item.rows[:1]
    if condition == "worn":
        image = effects.scuff(
            rng,
            image,
            item.paper,
            density=params["specks_per_10k_px"] / 10_000,
            scratches=int(params["scratches"]),
            contrast=params["contrast"],
        )
    if condition == "glare":
        image = _glare_on(rng, image, rows, params["white_over_code"])
    if condition == "occlusion":
        image = _occluded(rng, image, rows, params["covered_of_height"])
    if condition == "curved":
        image = effects.curve(image, params["bow_of_width"] * image.width)
    return image


def _glare_on(
    rng: random.Random,
    image: Image.Image,
    rows: Sequence[tuple[float, float, float]],
    white: float,
) -> Image.Image:
    """A specular highlight centred on a code row, ``white`` share at its peak."""
    top, bottom, _ = rng.choice(list(rows))
    w = image.width
    cx, cy = rng.uniform(0.3, 0.7) * w, (top + bottom) / 2
    rx, ry = rng.uniform(0.18, 0.3) * w, (bottom - top) * rng.uniform(1.2, 2.0)
    mask = Image.new("L", image.size, 0)
    # Flat-topped: the peak holds over the code row, the edge fades out.
    ImageDraw.Draw(mask).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(ry * 0.4)).point(
        lambda v: int(v * white)
    )
    lit = Image.composite(
        Image.new("RGBA", image.size, (255, 255, 250, 255)), image, mask
    )
    lit.putalpha(image.getchannel("A"))
    return lit


def _occluded(
    rng: random.Random,
    image: Image.Image,
    rows: Sequence[tuple[float, float, float]],
    share: float,
) -> Image.Image:
    """A thumb or a cable over the edge farther from the codes (never a code)."""
    w, h = image.size
    first, last = min(r[0] for r in rows), max(r[1] for r in rows)
    from_top = first > h - last
    room = (first if from_top else h - last) - 4
    depth = max(0.0, min(share * h, room))
    out = image.copy()
    draw = ImageDraw.Draw(out)
    colour = rng.choice(((205, 150, 120, 255), (30, 30, 32, 255), (190, 60, 40, 255)))
    x0 = rng.uniform(0, 0.4) * w
    x1 = x0 + rng.uniform(0.4, 0.6) * w
    box = (x0, -depth, x1, depth) if from_top else (x0, h - depth, x1, h + depth)
    draw.ellipse(box, fill=colour)
    return out


def _place(
    rng: random.Random,
    canvas: Image.Image,
    item: Item,
    cell: tuple[float, float, float, float],
    condition: str,
    params: dict[str, float],
) -> tuple[Image.Image, float]:
    image = _surface(rng, item, condition, params)
    cap = (
        min(item.rows[i][2] for i in code_rows(item))
        if code_rows(item)
        else item.rows[0][2]
    )
    angle = rng.uniform(-3, 3)
    if condition == "rotation":
        turn = params["degrees"]
        angle += turn if turn == 180 else rng.choice((-1, 1)) * turn
    tilt = params["tilt"] if condition == "oblique" else rng.uniform(0, 0.04)
    left, top, right, bottom = cell
    centre = ((left + right) / 2, (top + bottom) / 2)
    wanted = params["cap_px"] if condition == "small_text" else rng.uniform(*CAP_RANGE)
    scale = wanted / cap
    for _ in range(40):
        quad = effects.item_quad(rng, image.size, centre, scale, angle, tilt)
        x0, y0, x1, y1 = effects.quad_bounds(quad)
        if x0 >= left + 8 and y0 >= top + 8 and x1 <= right - 8 and y1 <= bottom - 8:
            break
        scale *= 0.95
    return effects.place(canvas, image, quad), cap * scale * (1 - tilt)


def _camera(
    rng: random.Random,
    photo: Image.Image,
    condition: str,
    params: dict[str, float],
    cap_px: float,
) -> Image.Image:
    if condition == "low_light":
        photo = ImageEnhance.Brightness(photo).enhance(params["brightness"])
        photo = effects.noise(rng, photo, params["noise_sigma"])
    if condition == "defocus":
        photo = photo.filter(ImageFilter.GaussianBlur(params["sigma_caps"] * cap_px))
    if condition == "motion_blur":
        photo = effects.shake(
            photo, params["length_caps"] * cap_px, rng.uniform(0, 3.1416)
        )
    return effects.noise(rng, photo, rng.uniform(1.5, 3.0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--split", choices=tuple(SPLITS), default="tuning")
    parser.add_argument("--per-case", type=int, default=2)
    args = parser.parse_args(argv)
    truths = generate(args.out_dir, split=args.split, per_case=args.per_case)
    codes = sum(len(t.codes) for t in truths)
    sys.stderr.write(f"{len(truths)} images, {codes} codes in {args.out_dir}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
