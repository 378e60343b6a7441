"""OCR on a customer's knowledge base: formats learned versus formats declared.

Run ``python -m tests.benchmarks.bench_ocr --kb customer [--table NAME]
[--count 240] [--seed 1107] [--engines rapidocr,tesseract] [--workdir DIR]
[--json]``.

1. Photos: ``tests/ocr_eval/generate.py --kb customer`` renders the demo set's
   scenes and hard cases with a customer's codes: fault codes from an
   evaluation code table (``--table``, a folder of ``tests/data/eval_kbs``;
   default ``victron-mppt``) on displays and repair tags, and part and serial
   numbers in many makers' shapes after printed labels, among dates, lots,
   quantities and readings that are not codes. It writes the customer's
   tables (faults, parts, assets; no ``kb.toml``) beside the photos.
2. Two knowledge bases from those tables: *learned* (the tables alone, so
   every format is learned from a code column; plain numbers are read only
   after a code cue) and *declared* (the same tables plus a ``kb.toml``
   declaring each shape's format, the fault codes' as a customer writes it
   by hand for the table, which overrides what was learned).
3. Each engine is loaded once and reads every photo for both knowledge bases
   through ``PhotoReader.read``. The engine's output for an image is kept and
   reused by the second knowledge base's run (the pixels are the same, so is
   what the engine reads), charged the time it first took, so the two runs
   differ only in the formats. Median seconds per photo include that time.
   A code counts when kind and spelling (capitals, single spaces) both match
   what was drawn; codes the tables do not list must come back unknown.

Figures per engine and knowledge base: recall and precision overall, per kind
of code and per hard case, the fault codes' recall by how they were printed
(after a word, beside or under one, bare), with the photos that missed or
added a code.
Targets: with learned formats, recall and precision >= 0.98 and equal to the
declared run on the same photos.
"""

from __future__ import annotations

import hashlib
import shutil
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from PIL.Image import Image

from edge_agent.ocr import EngineName, OcrError, OcrResult, PhotoReader, load_engine
from edge_agent.ocr.engine import OcrEngine, TextBox, TurnReader
from knowledge_cache import KnowledgeStore
from tests.ocr_eval.customer_pools import KB_FOLDER, declared_toml, spelling
from tests.ocr_eval.customer_tables import DEFAULT_TABLE
from tests.ocr_eval.generate import ImageTruth, generate

MODES = ("learned", "declared")
KINDS = ("fault_code", "part_number", "serial_number")
TARGET = 0.98
SHOWN = "shown "
"""Tally groups of fault codes by how they were printed."""


class _Remembered:
    """An engine whose readings are kept per image, for a second run.

    A reading given again is charged the time it first took (``credit``, added
    to the reader's clock), so the reader's time budget for turning a photo
    runs out as it did the first time.
    """

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine
        self._seen: dict[str, tuple[list[TextBox], float]] = {}
        self.credit = 0.0

    def clock(self) -> float:
        return time.perf_counter() + self.credit

    def _kept(self, key: str, read: Callable[[], list[TextBox]]) -> list[TextBox]:
        if key in self._seen:
            boxes, seconds = self._seen[key]
            self.credit += seconds
            return boxes
        started = time.perf_counter()
        boxes = read()
        self._seen[key] = (boxes, time.perf_counter() - started)
        return boxes

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def max_side(self) -> int:
        return self._engine.max_side

    def read(self, image: Image) -> list[TextBox]:
        return self._kept(_image_key(image), lambda: self._engine.read(image))


class _RememberedTurns(_Remembered):
    def read_turned(self, image: Image, boxes: Sequence[TextBox]) -> list[TextBox]:
        engine = cast("TurnReader", self._engine)
        key = _image_key(image) + repr(boxes)
        return self._kept(key, lambda: engine.read_turned(image, boxes))


def _image_key(image: Image) -> str:
    digest = hashlib.sha1(image.tobytes(), usedforsecurity=False).hexdigest()
    return f"{image.mode}{image.size}{digest}"


def run(
    work: Path,
    *,
    count: int,
    seed: int,
    engines: Sequence[str],
    table: str = DEFAULT_TABLE,
) -> dict[str, Any]:
    """Render the customer set into ``work``, read it, and return the figures."""
    photos = work / "photos"
    started = time.perf_counter()
    truths = generate(photos, count=count, seed=seed, kb="customer", table=table)
    generated_s = time.perf_counter() - started
    declared = work / "kb-declared"
    shutil.copytree(photos / KB_FOLDER, declared)
    (declared / "kb.toml").write_text(declared_toml(table), encoding="utf-8")
    folders = {"learned": photos / KB_FOLDER, "declared": declared}
    stores = {}
    for mode, folder in folders.items():
        (work / mode).mkdir()
        stores[mode] = KnowledgeStore.open(work / mode / "knowledge.db")
        stores[mode].ingest([folder])
    try:
        formats = {
            mode: [f"{f.kind.value} {f.pattern}" for f in store.code_formats()]
            + [
                f"{f.kind.value} {f.pattern} (after a cue)"
                for f in store.cued_formats()
            ]
            for mode, store in stores.items()
        }
        results = {name: _run_engine(name, stores, photos, truths) for name in engines}
    finally:
        for store in stores.values():
            store.close()
    codes = Counter(c.kind for t in truths for c in t.codes)
    return {
        "set": {
            "photos": len(truths),
            "table": table,
            "codes": dict(sorted(codes.items())),
            "unlisted": sum(c.known is False for t in truths for c in t.codes),
            "seed": seed,
            "generate_s": round(generated_s, 1),
        },
        "formats": formats,
        "engines": results,
        "targets": {name: _targets(r) for name, r in results.items()},
    }


def _run_engine(
    name: str,
    stores: dict[str, KnowledgeStore],
    photos: Path,
    truths: list[ImageTruth],
) -> dict[str, Any]:
    engine = load_engine(cast("EngineName", name), fallback=False).engine
    kept = (
        _RememberedTurns(engine)
        if isinstance(engine, TurnReader)
        else _Remembered(engine)
    )
    return {
        mode: _run_mode(PhotoReader(kept, store, clock=kept.clock), photos, truths)
        for mode, store in stores.items()
    }


def _run_mode(
    reader: PhotoReader, photos: Path, truths: list[ImageTruth]
) -> dict[str, Any]:
    tally: dict[str, Counter[str]] = {"all": Counter()}
    seconds, misses, errors = [], [], []
    for truth in truths:
        try:
            result = reader.read(photos / truth.file)
        except OcrError as exc:
            errors.append(f"{truth.file}: {exc.message}")
            continue
        seconds.append(result.seconds)
        miss = _score(truth, result, tally)
        if miss:
            misses.append(miss)
    groups = {
        group: {
            "truth": n["truth"],
            "recall": _ratio(n["hit"], n["truth"]),
            "precision": _ratio(n["hit"], n["read"]),
        }
        for group, n in tally.items()
    }
    overall = tally["all"]
    return {
        "recall": groups["all"]["recall"],
        "precision": groups["all"]["precision"],
        "unknown_marked": f"{overall['unknown_ok']}/{overall['unknown']}",
        "known_flag_errors": overall["known_wrong"],
        "median_s": round(statistics.median(seconds), 3) if seconds else None,
        "by_kind": {k: groups[k] for k in KINDS if k in groups},
        "by_condition": {
            c: groups[c]
            for c in sorted(groups)
            if c not in (*KINDS, "all") and not c.startswith(SHOWN)
        },
        "faults_by_shown": {
            c.removeprefix(SHOWN): groups[c]
            for c in sorted(groups)
            if c.startswith(SHOWN)
        },
        "errors": errors,
        "misses": misses,
    }


def _score(truth: ImageTruth, result: OcrResult, tally: dict[str, Counter[str]]) -> str:
    """Count one photo into ``tally`` (overall, per kind, per hard case)."""
    expected = {(c.kind, spelling(c.value)): c for c in truth.codes}
    read = {(c.kind.value, spelling(c.value)): c for c in result.codes}
    for kind, value in expected.keys() | read.keys():
        key = (kind, value)
        counts = Counter(
            truth=int(key in expected),
            read=int(key in read),
            hit=int(key in expected and key in read),
        )
        shown = expected[key].shown if key in expected else None
        groups = ["all", kind, *(truth.conditions or ["none"])]
        for group in [*groups, *([SHOWN + shown] if shown else [])]:
            tally.setdefault(group, Counter()).update(counts)
    for key, code in expected.items():
        if key in read and code.known is not None:
            tally["all"]["known_wrong"] += read[key].known != code.known
            if code.known is False:
                tally["all"]["unknown"] += 1
                tally["all"]["unknown_ok"] += not read[key].known
    missing = sorted(
        value
        + (f" ({expected[kind, value].shown})" if expected[kind, value].shown else "")
        for kind, value in expected.keys() - read.keys()
    )
    extra = sorted(v for _, v in read.keys() - expected.keys())
    if not missing and not extra:
        return ""
    return f"{truth.file} {truth.conditions}: missed {missing}, extra {extra}"


def _targets(modes: dict[str, Any]) -> dict[str, bool | None]:
    learned, declared = modes["learned"], modes["declared"]
    verdicts: dict[str, bool | None] = {}
    for field in ("recall", "precision"):
        value = learned[field]
        verdicts[field] = None if value is None else value >= TARGET
        verdicts[f"{field}_as_declared"] = (
            None if value is None else value >= (declared[field] or 0)
        )
    return verdicts


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def render(report: dict[str, Any]) -> str:
    s = report["set"]
    lines = [
        f"Customer KB (no kb.toml), fault codes of {s['table']}: "
        f"{s['photos']} photos, codes {s['codes']}, "
        f"{s['unlisted']} not in its tables (seed {s['seed']}, generated in "
        f"{s['generate_s']} s)",
    ]
    for mode, formats in report["formats"].items():
        lines += ["", f"formats in use, {mode}:"] + [f"  {f}" for f in formats]
    lines += [
        "",
        f"{'engine':<10} {'formats':<9} {'recall':>7} {'precis.':>7} "
        f"{'unknown':>8} {'flags':>6} {'median s':>9}",
    ]
    for name, modes in report["engines"].items():
        for mode, f in modes.items():
            lines.append(
                f"{name:<10} {mode:<9} {_fmt(f['recall']):>7} "
                f"{_fmt(f['precision']):>7} {f['unknown_marked']:>8} "
                f"{f['known_flag_errors']:>6} {_fmt(f['median_s']):>9}"
            )
    for name, verdicts in report["targets"].items():
        lines.append(
            f"Targets for {name} (learned): "
            + ", ".join(
                f"{k} {'n/a' if ok is None else 'PASS' if ok else 'FAIL'}"
                for k, ok in verdicts.items()
            )
        )
    for name, modes in report["engines"].items():
        for mode, f in modes.items():
            lines += ["", f"{name}, {mode} formats (recall/precision, truth codes):"]
            lines.append("  by kind: " + _groups(f["by_kind"]))
            lines.append("  by condition: " + _groups(f["by_condition"]))
            lines.append(
                "  fault codes by how printed: " + _groups(f["faults_by_shown"])
            )
            lines += [f"  error: {e}" for e in f["errors"]]
            lines += [f"  {miss}" for miss in f["misses"][:30]]
            if len(f["misses"]) > 30:
                lines.append(f"  ... {len(f['misses']) - 30} more photos with misses")
    return "\n".join(lines)


def _groups(groups: dict[str, dict[str, Any]]) -> str:
    return ", ".join(
        f"{g} {_fmt(n['recall'])}/{_fmt(n['precision'])} ({n['truth']})"
        for g, n in groups.items()
    )


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
