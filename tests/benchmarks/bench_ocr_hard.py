"""OCR on hard photos: recall and precision per condition, level and item style.

Usage (from the repository root)::

    python -m tests.benchmarks.bench_ocr_hard [--split tuning|held_out]
        [--per-case 1] [--only curved,worn] [--styles dot_peen,engraved]
        [--without region_looks,dewarp,plate_looks,sharpened_look]
        [--with joined_marks] [--look-budget S]
        [--workdir DIR] [--json]

The *default* reading is the product's (``ReaderSettings``: the second look
at doubtful regions, the dewarp of curved labels, the second look at plates
and the sharpened look on; joined marks off); ``--without`` leaves steps
out and ``--with`` adds them, to measure what each one pays; ``--only``
reads just the photos of some
conditions and ``--styles`` of some item styles (the same seeds as in the
whole set); ``--look-budget`` sets the seconds after which no second look
or turn starts (on a machine busy enough that one pass takes longer than
the reader's budget, the steps never start, and their worth cannot be
seen).
``--workdir`` keeps the rendered photos, and a later run with the same split
and count reads them again instead of rendering anew.

1. Photos: :mod:`tests.ocr_eval.hard` renders ``--per-case`` photos of every
   condition at every level (``none`` included), spread over the item styles,
   from the split's seed range. Tune on ``tuning``; ``held_out`` is for the
   figures reported after tuning, never for choosing anything.
2. The demo KB is loaded into a temporary home; RapidOCR is started once and
   kept warm. Each photo is read twice:

   * *default*: ``PhotoReader.read``, the product's reading;
   * *bare*: the photo loaded the same way, one pass of the same engine, and a
     plain extractor: every declared format matched in each text box as read.
     The bare pass is the default reading's own first engine call (same
     pixels, same engine), timed on its own, so it costs no second run.

3. A code counts when kind and value both match the truth. Seconds per photo
   are the median and p95 of each reading, and the default's as a ratio to
   the bare engine's in the same run. Calibration: of the codes the default
   reading reports as certain (not low confidence), the share that are right,
   and of those it marks for checking, the share that are right.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL.Image import Image

from edge_agent.knowledge import demo_data_dir
from edge_agent.ocr import (
    OcrError,
    PhotoReader,
    ReaderSettings,
    load_engine,
    load_photo,
)
from edge_agent.ocr.engine import OcrEngine, TextBox
from knowledge_cache import KnowledgeStore
from knowledge_cache.code_keys import iter_format_matches
from tests.benchmarks.reporting import emit, log, machine_facts, working_dir
from tests.ocr_eval.generate import kb_formats
from tests.ocr_eval.hard import (
    LEVELS,
    SPLITS,
    STYLES,
    TRUTH_FILE,
    HardTruth,
    generate,
    load_truth,
)

Key = tuple[str, str]


class _FirstRead:
    """The engine, keeping its first reading of each photo for the bare figures."""

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine
        self.first: tuple[list[TextBox], float] | None = None

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def max_side(self) -> int:
        return self._engine.max_side

    def read(self, image: Image) -> list[TextBox]:
        started = time.perf_counter()
        boxes = self._engine.read(image)
        if self.first is None:
            self.first = (boxes, time.perf_counter() - started)
        return boxes

    def read_turned(self, image: Image, boxes: Sequence[TextBox]) -> list[TextBox]:
        return self._engine.read_turned(image, boxes)  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def run(
    work: Path,
    *,
    split: str,
    per_case: int,
    settings: ReaderSettings | None = None,
    only: Sequence[str] = (),
    styles: Sequence[str] = (),
) -> dict[str, Any]:
    """Render the split into ``work``, read every photo, return the figures."""
    photos = work / "photos"
    started = time.perf_counter()
    truths = _rendered(photos, split, per_case, only, styles)
    generated_s = time.perf_counter() - started
    log(f"{len(truths)} photos rendered in {generated_s:.0f} s")
    home = work / "home"
    home.mkdir(exist_ok=True)
    engine = _FirstRead(load_engine("rapidocr", fallback=False).engine)
    with KnowledgeStore.open(home / "knowledge.db") as store:
        store.ingest([demo_data_dir()])
        reader = PhotoReader(engine, store, settings=settings)
        figures = _read_all(reader, engine, photos, truths)
    seeds = SPLITS[split]
    figures["set"] = {
        "split": split,
        "seeds": f"{seeds.start}..{seeds.start + len(truths) - 1}",
        "photos": len(truths),
        "codes": sum(len(t.codes) for t in truths),
        "generate_s": round(generated_s, 1),
    }
    figures["machine"] = machine_facts()
    return figures


def _rendered(
    photos: Path,
    split: str,
    per_case: int,
    only: Sequence[str],
    styles: Sequence[str] = (),
) -> list[HardTruth]:
    """The split's photos: those kept in ``photos`` by an earlier run, or new."""
    truth_file = photos / TRUTH_FILE
    if truth_file.is_file():
        kept = json.loads(truth_file.read_text(encoding="utf-8"))
        same = (split, per_case, sorted(only), sorted(styles))
        key = (kept["split"], kept["per_case"], kept.get("only", []))
        if (*key, kept.get("styles", [])) == same:
            return load_truth(photos)
    return generate(photos, split=split, per_case=per_case, only=only, styles=styles)


def _read_all(
    reader: PhotoReader, engine: _FirstRead, photos: Path, truths: list[HardTruth]
) -> dict[str, Any]:
    tallies: dict[str, dict[str, Counter[str]]] = {"default": {}, "bare": {}}
    seconds: dict[str, list[float]] = {"default": [], "bare": []}
    calibration: Counter[str] = Counter()
    misses = []
    formats = kb_formats()
    for index, truth in enumerate(truths):
        path = photos / truth.file
        engine.first = None
        started = time.perf_counter()
        try:
            result = reader.read(path)
        except OcrError as exc:
            misses.append(f"{truth.file}: {exc.message}")
            continue
        seconds["default"].append(time.perf_counter() - started)
        started = time.perf_counter()
        load_photo(path, max_side=engine.max_side)
        boxes, read_s = engine.first or ([], 0.0)
        bare = {
            (fmt.kind.value, value)
            for box in boxes
            for fmt, value in iter_format_matches(box.text, formats)
        }
        seconds["bare"].append(time.perf_counter() - started + read_s)
        expected = {(c.kind, c.value) for c in truth.codes}
        read = {(c.kind.value, c.value): c for c in result.codes}
        for code_key, code in read.items():
            mark = "uncertain" if code.low_confidence else "certain"
            calibration[mark] += 1
            calibration[f"{mark}_right"] += code_key in expected
        _count(tallies["default"], truth, expected, set(read))
        _count(tallies["bare"], truth, expected, bare)
        missed, extra = expected - set(read), set(read) - expected
        if missed or extra:
            misses.append(
                f"{truth.file}: missed {sorted(v for _, v in missed)}, "
                f"extra {sorted(v for _, v in extra)}"
            )
        if index % 10 == 9:
            log(f"  {index + 1}/{len(truths)} read")
    return {
        "readings": {
            name: _summary(tally, seconds[name]) for name, tally in tallies.items()
        },
        "time_ratio_median": _ratio(
            _percentile(seconds["default"], 50), _percentile(seconds["bare"], 50)
        ),
        "calibration": {
            "certain": calibration["certain"],
            "certain_right": _ratio(
                calibration["certain_right"], calibration["certain"]
            ),
            "uncertain": calibration["uncertain"],
            "uncertain_right": _ratio(
                calibration["uncertain_right"], calibration["uncertain"]
            ),
        },
        "misses": misses,
    }


def _count(
    tally: dict[str, Counter[str]], truth: HardTruth, expected: set[Key], read: set[Key]
) -> None:
    counts = Counter(truth=len(expected), read=len(read), hit=len(expected & read))
    groups = (
        "all",
        f"condition {truth.condition}",
        f"level {truth.condition}/{truth.level}",
        f"style {truth.style}",
    )
    for group in groups:
        tally.setdefault(group, Counter()).update(counts)


def _summary(tally: dict[str, Counter[str]], seconds: list[float]) -> dict[str, Any]:
    return {
        "groups": {
            group: {
                "truth": n["truth"],
                "recall": _ratio(n["hit"], n["truth"]),
                "precision": _ratio(n["hit"], n["read"]),
            }
            for group, n in tally.items()
        },
        "median_s": _percentile(seconds, 50),
        "p95_s": _percentile(seconds, 95),
    }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def _percentile(values: Sequence[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))
    return round(ordered[index], 3)


def render(report: dict[str, Any]) -> str:
    s = report["set"]
    default, bare = report["readings"]["default"], report["readings"]["bare"]
    lines = [
        f"Hard photos, {s['split']} seeds {s['seeds']}: {s['photos']} photos, "
        f"{s['codes']} codes (rendered in {s['generate_s']} s); "
        f"load {report['machine']['load_average_1min']}",
        "",
        f"{'group':<28} {'codes':>5}  {'default R/P':>13}  {'bare R/P':>13}",
    ]
    order = ["all"]
    order += [f"style {name}" for name in STYLES]
    for condition, levels in LEVELS.items():
        order.append(f"condition {condition}")
        if len(levels) > 1:
            order += [f"level {condition}/{i}" for i in range(len(levels))]
    for group in order:
        d, b = default["groups"].get(group), bare["groups"].get(group)
        if d is None or b is None:
            continue
        name = (
            group if group.startswith(("all", "style", "condition")) else "  " + group
        )
        lines.append(f"{name:<28} {d['truth']:>5}  {_pair(d):>13}  {_pair(b):>13}")
    c = report["calibration"]
    lines += [
        "",
        f"seconds per photo: default median {default['median_s']} p95 "
        f"{default['p95_s']}; bare median {bare['median_s']} p95 {bare['p95_s']}; "
        f"default/bare median {report['time_ratio_median']}",
        f"calibration: certain {c['certain']} ({c['certain_right']} right), "
        f"uncertain {c['uncertain']} ({c['uncertain_right']} right)",
        "",
        *report["misses"],
    ]
    return "\n".join(lines)


def _pair(group: dict[str, Any]) -> str:
    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    return f"{fmt(group['recall'])}/{fmt(group['precision'])}"


STEPS = ("region_looks", "joined_marks", "dewarp", "plate_looks", "sharpened_look")
"""The reader's steps that can be left out or added (``ReaderSettings``)."""


def _names(listed: str) -> set[str]:
    return {name.strip() for name in listed.split(",") if name.strip()}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=tuple(SPLITS), default="tuning")
    parser.add_argument("--per-case", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--without", default="", help=f"steps to leave out: {', '.join(STEPS)}"
    )
    parser.add_argument(
        "--with",
        dest="adding",
        default="",
        help="steps to add (the product leaves them out): same names",
    )
    parser.add_argument(
        "--only",
        default="",
        help="conditions to read, comma-separated (default: all)",
    )
    parser.add_argument(
        "--styles",
        default="",
        help="item styles to read, comma-separated (default: all)",
    )
    parser.add_argument(
        "--look-budget",
        type=float,
        default=None,
        help="seconds for the second look and turning (default: the reader's)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    off = _names(args.without)
    on = _names(args.adding)
    if (off | on) - set(STEPS) or off & on:
        parser.error(f"steps are named from {', '.join(STEPS)}, each once")
    product = ReaderSettings()
    steps = {name: getattr(product, name) for name in STEPS}
    steps |= dict.fromkeys(off, False) | dict.fromkeys(on, True)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(LEVELS))
    if unknown:
        parser.error(
            f"no such condition: {', '.join(unknown)}; one of {', '.join(LEVELS)}"
        )
    styles = [name.strip() for name in args.styles.split(",") if name.strip()]
    if set(styles) - set(STYLES):
        parser.error(f"no such style in {styles}; one of {', '.join(STYLES)}")
    settings = ReaderSettings(**steps)  # type: ignore[arg-type]
    if args.look_budget is not None:
        settings = replace(
            settings, look_budget=args.look_budget, rotation_budget=args.look_budget
        )
    with working_dir(args.workdir, "bench-ocr-hard-") as work:
        report = run(
            work,
            split=args.split,
            per_case=args.per_case,
            settings=settings,
            only=only,
            styles=styles,
        )
        report["without"] = sorted(off)
        report["with"] = sorted(on)
        report["look_budget"] = settings.look_budget
    emit(report, render, args.json)
    return report


if __name__ == "__main__":
    main()
