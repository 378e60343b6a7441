"""Seeded set of rendered phone photos for evaluating OCR on the demo fleet.

Usage::

    python -m tests.ocr_eval.generate OUT_DIR [--count 240] [--seed 1107] [--clean]
        [--kb demo|customer] [--table NAME]

Writes ``OUT_DIR/NNNN-<scene>.<jpg|png|webp>`` and ``OUT_DIR/truth.json``.
Scenes: part labels, nameplates, scanner screens with fault codes, screens
with no code, and photos of several items at once. Hard cases, spread evenly
over the set: small text, oblique shots, rotation up to upside down (and JPEGs
stored sideways with an EXIF orientation tag), labels curved round a pipe,
glare, LCD moire and reflections, low light with noise, defocus and motion
blur, worn labels. Their strength is bounded by the letter height, so every
code stays legible to a person. Codes are the demo KB's, plus fault codes the
KB does not list (``"known": false`` in the truth). ``--clean`` renders the
same scenes without hard cases (for engine tests that must read everything).

The truth holds, per image, every code printed on it: found by the KB's own
declared patterns in the printed strings, so it cannot drift from what was
drawn. Images are generated on demand and never committed.

``--kb customer`` renders the same scenes, with the same hard cases, for a
customer's knowledge base that declares no formats (:mod:`tests.ocr_eval.customer`):
the charger fault codes of an evaluation code table on displays and repair
tags, and part and serial numbers in many makers' shapes after printed
labels. Its tables are written to ``OUT_DIR/kb/`` (no ``kb.toml``), and its
truth lists the codes each item drew, spelled as drawn, each marked known
when the tables list it, and each fault code with how it was printed
(``shown``: after a word, beside or under one, or bare). ``--table NAME``
takes the fault codes from the evaluation table in
``tests/data/eval_kbs/NAME`` (default ``victron-mppt``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from PIL import Image

from edge_agent.knowledge import demo_data_dir
from knowledge_cache import CodeFormat, CodeKind
from knowledge_cache.code_keys import iter_format_matches
from tests.ocr_eval import customer, customer_pools, customer_tables, effects
from tests.ocr_eval.customer_pools import CustomerPools
from tests.ocr_eval.scenes import (
    CODE_SIZE,
    Item,
    Pools,
    load_pools,
    nameplate,
    part_label,
    scene_items,
    screen,
)

DEFAULT_SEED = 1107
DEFAULT_COUNT = 240
KBS = ("demo", "customer")
"""Knowledge bases the set can be rendered for."""
TRUTH_FILE = "truth.json"
CONDITIONS = (
    "small_text",
    "perspective",
    "rotation",
    "upside_down",
    "curved",
    "glare",
    "moire",
    "low_light",
    "defocus",
    "motion_blur",
    "worn",
    "exif_orientation",
)
SCENES = (
    "part_label",
    "nameplate",
    "screen",
    "part_label",
    "screen",
    "nameplate",
    "multi",
    "no_code_screen",
    "part_label",
    "screen",
    "nameplate",
    "multi",
)
"""One cycle of scenes; image ``i`` shows ``SCENES[i % len(SCENES)]``."""

_ONLY_FOR = {
    "curved": {"part_label", "multi"},
    "worn": {"part_label", "nameplate", "multi"},
    "moire": {"screen", "no_code_screen"},
}
_MIN_LETTER_PX = 12.0
"""Smallest letter height (pixels) a code may have in the final photo."""


@dataclass(frozen=True, slots=True)
class TruthCode:
    kind: str
    value: str
    known: bool | None
    """In the KB's table (fault codes, parts; serials for the customer); None
    for kinds without a table."""
    shown: str | None = None
    """How a customer fault code was printed (see
    :func:`tests.ocr_eval.customer.shown`); None elsewhere."""


@dataclass(slots=True)
class ImageTruth:
    file: str
    scene: str
    conditions: list[str]
    fonts: list[str]
    size: tuple[int, int]
    codes: list[TruthCode] = field(default_factory=list)


def kb_formats() -> list[CodeFormat]:
    """The code formats the demo KB declares in its ``kb.toml``."""
    data = tomllib.loads((demo_data_dir() / "kb.toml").read_text(encoding="utf-8"))
    return [
        CodeFormat(CodeKind(f["kind"]), f["pattern"], f.get("example", ""))
        for f in data["code_formats"]
    ]


def generate(
    out_dir: Path,
    *,
    count: int = DEFAULT_COUNT,
    seed: int = DEFAULT_SEED,
    clean: bool = False,
    scenes: Sequence[str] = SCENES,
    kb: str = "demo",
    table: str = customer_tables.DEFAULT_TABLE,
) -> list[ImageTruth]:
    """Render ``count`` photos into ``out_dir`` and write their truth file
    (for the customer's KB, its tables too, with fault codes from ``table``).

    Raises:
        ValueError: ``table`` is not an evaluation table with a declared format.
    """
    pools: Pools | CustomerPools = load_pools()
    formats = kb_formats()
    if kb == "customer":
        pools = customer_pools.customer_pools(seed, table)
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(pools, CustomerPools):
        customer_pools.write_kb(out_dir / customer_pools.KB_FOLDER, pools)
    truths = []
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        scene = scenes[index % len(scenes)]
        extension = _extension(index, clean)
        conditions = [] if clean else _conditions(rng, index, scene, extension)
        image, items = _photo(rng, pools, scene, conditions, index)
        truth = ImageTruth(
            file=f"{index:04d}-{scene}.{extension}",
            scene=scene,
            conditions=conditions,
            fonts=sorted({face for item in items for face in item.fonts}),
            size=image.size,
            codes=_codes(items, pools, formats),
        )
        _save(rng, image, out_dir / truth.file, "exif_orientation" in conditions)
        truths.append(truth)
    payload: dict[str, object] = {"seed": seed, "count": count, "clean": clean}
    if kb != "demo":
        payload["kb"] = kb
        payload["table"] = table
    payload["images"] = [_as_json(t) for t in truths]
    (out_dir / TRUTH_FILE).write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return truths


def plan(
    count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, scenes: Sequence[str] = SCENES
) -> list[tuple[str, list[str]]]:
    """Scene and hard cases of each photo :func:`generate` would render."""
    planned = []
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        scene = scenes[index % len(scenes)]
        planned.append(
            (scene, _conditions(rng, index, scene, _extension(index, False)))
        )
    return planned


def load_truth(folder: Path) -> list[ImageTruth]:
    data = json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))
    return [
        ImageTruth(
            file=entry["file"],
            scene=entry["scene"],
            conditions=entry["conditions"],
            fonts=entry["fonts"],
            size=tuple(entry["size"]),
            codes=[TruthCode(**code) for code in entry["codes"]],
        )
        for entry in data["images"]
    ]


def _as_json(truth: ImageTruth) -> dict[str, object]:
    """A photo's truth for the file; ``shown`` only where it is set."""
    data = asdict(truth)
    for code in data["codes"]:
        if code["shown"] is None:
            del code["shown"]
    return data


def _conditions(
    rng: random.Random, index: int, scene: str, extension: str
) -> list[str]:
    """One condition in turn (so each is well covered) plus up to two at random."""
    usable = [c for c in CONDITIONS if scene in _ONLY_FOR.get(c, {scene})]
    if extension != "jpg":
        usable.remove("exif_orientation")
    chosen = {usable[(index // len(SCENES) + index) % len(usable)]}
    for _ in range(rng.choice((0, 1, 1, 2))):
        chosen.add(rng.choice(usable))
    if "curved" in usable and rng.random() < 0.2:
        chosen.add("curved")  # Part labels on pipes are common in the field.
    if "rotation" in chosen and "upside_down" in chosen:
        chosen.discard("rotation")
    return sorted(chosen)


def _items(
    rng: random.Random, pools: Pools | CustomerPools, scene: str, index: int
) -> list[Item]:
    # Every third cycle of scenes, screens show a fault code the KB lacks.
    unknown = (index // len(SCENES)) % 3 == 0
    if isinstance(pools, CustomerPools):
        return customer.items(rng, pools, scene, unknown=unknown)
    label = partial(part_label, pools=pools)
    plate = partial(nameplate, pools=pools)
    return scene_items(
        rng,
        scene,
        unknown=unknown,
        label=label,
        plate=plate,
        display=partial(screen, pools=pools),
        mixed=[label, plate, label],
    )


def _photo(
    rng: random.Random,
    pools: Pools | CustomerPools,
    scene: str,
    conditions: list[str],
    index: int,
) -> tuple[Image.Image, list[Item]]:
    items = _items(rng, pools, scene, index)
    long_side = (
        rng.choice((1280, 1440, 1600, 1600, 1920)) if rng.random() > 0.1 else 3000
    )
    portrait = rng.random() < 0.35
    size = (
        (long_side * 3 // 4, long_side) if portrait else (long_side, long_side * 3 // 4)
    )
    canvas = effects.background(rng, size)
    cells = _cells(size, len(items))
    letter_px = []
    for item, cell in zip(items, cells, strict=True):
        canvas, px = _place(rng, canvas, item, cell, conditions, multi=len(items) > 1)
        letter_px.append(px)
    return _camera(rng, canvas, conditions, min(letter_px)), items


def _cells(
    size: tuple[int, int], count: int
) -> list[tuple[float, float, float, float]]:
    w, h = size
    if count == 1:
        return [(0, 0, w, h)]
    if w >= h:
        step = w / count
        return [(i * step, 0, (i + 1) * step, h) for i in range(count)]
    step = h / count
    return [(0, i * step, w, (i + 1) * step) for i in range(count)]


def _place(
    rng: random.Random,
    canvas: Image.Image,
    item: Item,
    cell: tuple[float, float, float, float],
    conditions: list[str],
    *,
    multi: bool,
) -> tuple[Image.Image, float]:
    image = item.image
    if "worn" in conditions and item.kind != "screen":
        image = effects.wear(rng, image, item.paper)
    if "curved" in conditions and item.kind == "part_label":
        image = effects.curve(image, rng.uniform(0.03, 0.06) * image.width)
    angle = rng.uniform(-4, 4)
    if "rotation" in conditions:
        angle = rng.choice((-1, 1)) * rng.uniform(8, 25)
    if "upside_down" in conditions:
        angle = rng.choice((90, 180, 270)) + rng.uniform(-4, 4)
    tilt = (
        rng.uniform(0.12, 0.28) if "perspective" in conditions else rng.uniform(0, 0.04)
    )
    left, top, right, bottom = cell
    cell_w, cell_h = right - left, bottom - top
    fraction = (
        rng.uniform(0.3, 0.4) if "small_text" in conditions else rng.uniform(0.6, 0.88)
    )
    if multi:
        fraction = rng.uniform(0.75, 0.9)
    scale = fraction * min(cell_w / image.width, cell_h / image.height) * 1.25
    centre = (left + cell_w / 2, top + cell_h / 2)
    for _ in range(30):
        quad = effects.item_quad(rng, image.size, centre, scale, angle, tilt)
        x0, y0, x1, y1 = effects.quad_bounds(quad)
        if x0 >= left + 8 and y0 >= top + 8 and x1 <= right - 8 and y1 <= bottom - 8:
            break
        scale *= 0.92
    # Letter height of the smallest code line (printed at 0.7 of the code size).
    letter = CODE_SIZE * 0.72 * 0.7 * scale * (1 - tilt)
    if letter < _MIN_LETTER_PX:  # Too far away to read: bring the item closer.
        scale *= _MIN_LETTER_PX / letter
        quad = effects.item_quad(rng, image.size, centre, scale, angle, tilt)
        letter = _MIN_LETTER_PX
    return effects.place(canvas, image, quad), letter


def _camera(
    rng: random.Random, photo: Image.Image, conditions: list[str], letter_px: float
) -> Image.Image:
    if "moire" in conditions:
        photo = effects.screen_interference(rng, photo)
    if "glare" in conditions:
        photo = effects.glare(rng, photo)
    if "low_light" in conditions:
        photo = effects.low_light(rng, photo)
    if "defocus" in conditions:
        photo = effects.defocus(rng, photo, letter_px)
    if "motion_blur" in conditions:
        photo = effects.motion_blur(rng, photo, letter_px)
    return effects.noise(rng, photo, rng.uniform(1.5, 3.5))


def _codes(
    items: Sequence[Item], pools: Pools | CustomerPools, formats: list[CodeFormat]
) -> list[TruthCode]:
    if isinstance(pools, CustomerPools):
        return _drawn_codes(items, pools)
    found: dict[tuple[str, str], TruthCode] = {}
    for item in items:
        for text in item.texts:
            for fmt, value in iter_format_matches(text, formats):
                known: bool | None = None
                if fmt.kind is CodeKind.FAULT_CODE:
                    known = value in pools.faults
                elif fmt.kind is CodeKind.PART_NUMBER:
                    known = value in pools.parts
                found.setdefault(
                    (fmt.kind.value, value), TruthCode(fmt.kind.value, value, known)
                )
    return list(found.values())


def _drawn_codes(items: Sequence[Item], pools: CustomerPools) -> list[TruthCode]:
    """The codes the items drew, once each, each marked listed or not."""
    found: dict[tuple[str, str], TruthCode] = {}
    for item in items:
        for kind, value in item.codes:
            key = (kind, customer_pools.spelling(value))
            how = customer.shown(item, value) if kind == "fault_code" else None
            found.setdefault(key, TruthCode(kind, value, pools.known(kind, value), how))
    return list(found.values())


def _extension(index: int, clean: bool) -> str:
    if clean:
        return "png"
    return {3: "webp", 7: "png"}.get(index % 10, "jpg")


def _save(rng: random.Random, image: Image.Image, path: Path, sideways: bool) -> None:
    if path.suffix == ".png":
        image.save(path)
    elif path.suffix == ".webp":
        image.save(path, quality=rng.randint(70, 90))
    elif sideways:
        # Stored turned a quarter anticlockwise; orientation 6 says "turn clockwise".
        exif = Image.Exif()
        exif[0x0112] = 6
        image.transpose(Image.Transpose.ROTATE_90).save(
            path, quality=rng.randint(70, 92), exif=exif
        )
    else:
        image.save(path, quality=rng.randint(60, 92))


def customer_table(parser: argparse.ArgumentParser, kb: str, table: str | None) -> str:
    """The ``--table`` asked for, checked; exits with a usage error (2) for
    a table that is not one, or one given without ``--kb customer``."""
    if table is None:
        return customer_tables.DEFAULT_TABLE
    if kb != "customer":
        parser.error("--table is for --kb customer")
    try:
        customer_tables.fault_table(table)
    except ValueError as exc:
        parser.error(str(exc))
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--clean", action="store_true", help="no hard cases")
    parser.add_argument("--kb", choices=KBS, default="demo", help="whose codes")
    parser.add_argument(
        "--table", help="evaluation table of the customer's fault codes (--kb customer)"
    )
    args = parser.parse_args(argv)
    table = customer_table(parser, args.kb, args.table)
    truths = generate(
        args.out_dir,
        count=args.count,
        seed=args.seed,
        clean=args.clean,
        kb=args.kb,
        table=table,
    )
    codes = sum(len(t.codes) for t in truths)
    sys.stderr.write(f"{len(truths)} images, {codes} codes in {args.out_dir}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
