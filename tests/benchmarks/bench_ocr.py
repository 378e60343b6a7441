"""OCR benchmark: code recall and precision, speed and installed size per engine.

Usage (from the repository root)::

    python -m tests.benchmarks.bench_ocr [--count 240] [--seed 1107]
        [--engines rapidocr,tesseract] [--cli-runs 3] [--workdir DIR] [--json]
        [--kb demo|customer] [--table NAME]

``--kb customer [--table NAME]`` runs the customer set instead (a knowledge base without
``kb.toml``: formats learned versus declared; see
:mod:`tests.benchmarks.bench_ocr_customer`). What follows is the demo set.

1. Photos: the seeded set of ``tests/ocr_eval/generate.py`` (part labels,
   nameplates, scanner screens, several items per photo, with every hard case)
   is rendered into a temporary folder, with its truth.
2. Accuracy and warm speed: the demo KB is loaded into a temporary home; each
   engine is started once and kept warm, and every photo goes through
   ``PhotoReader.read``. A code counts when kind and value both match the
   truth. Fault codes absent from the KB must come back marked unknown.
3. One-shot: wall time of ``edge-agent ocr IMAGE`` (the installed console
   script next to this interpreter), process start to exit, median of
   ``--cli-runs``, per engine.
4. Size: each engine's installed package files, with the dependencies only it
   pulls in (those the app needs anyway, such as numpy and pillow, are not
   counted); for tesseract, pytesseract plus the installed size of the Debian
   packages (``dpkg-query``).

Targets for the default engine (rapidocr): recall and precision >= 0.98,
median <= 1.0 s per photo (warm, 2 cores), one-shot <= 2.0 s. Where both
engines ran, tesseract's figures are also given as ratios to rapidocr's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, cast

from edge_agent.evaluation.scoring import tally_codes
from edge_agent.knowledge import demo_data_dir
from edge_agent.ocr import EngineName, OcrError, OcrResult, PhotoReader, load_engine
from knowledge_cache import KnowledgeStore
from tests.benchmarks import bench_ocr_customer
from tests.ocr_eval.generate import (
    DEFAULT_COUNT,
    DEFAULT_SEED,
    KBS,
    ImageTruth,
    customer_table,
    generate,
)

TARGET_RECALL = 0.98
TARGET_PRECISION = 0.98
TARGET_MEDIAN_S = 1.0
TARGET_ONE_SHOT_S = 2.0
DEFAULT_ENGINE = "rapidocr"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = _parse(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    if args.kb == "customer":
        return _customer(args)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        photos = work / "photos"
        started = time.perf_counter()
        truths = generate(photos, count=args.count, seed=args.seed)
        generated_s = time.perf_counter() - started
        home = work / "home"
        home.mkdir()
        with KnowledgeStore.open(home / "knowledge.db") as store:
            store.ingest([demo_data_dir()])
            engines = {
                name: _run_engine(name, store, photos, truths) for name in args.engines
            }
        for name, figures in engines.items():
            sample = photos / truths[0].file
            figures["one_shot_s"] = _one_shot(name, home, sample, args.cli_runs)
    sizes = installed_sizes()
    for name, figures in engines.items():
        figures["installed_mib"], figures["installed_parts"] = sizes.get(
            name, (None, [])
        )
    report = {
        "machine": _machine(),
        "set": {
            "photos": len(truths),
            "codes": sum(len(t.codes) for t in truths),
            "seed": args.seed,
            "generate_s": round(generated_s, 1),
        },
        "engines": engines,
        "ratios": _ratios(engines),
        "targets": _targets(engines.get(DEFAULT_ENGINE)),
    }
    print(json.dumps(report, indent=2) if args.json else _render(report))
    return report


def _customer(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        report = bench_ocr_customer.run(
            Path(tmp),
            count=args.count,
            seed=args.seed,
            engines=args.engines,
            table=args.table,
        )
    report = {"machine": _machine(), **report}
    print(
        json.dumps(report, indent=2) if args.json else bench_ocr_customer.render(report)
    )
    return report


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--engines", default="rapidocr,tesseract")
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--kb", choices=KBS, default="demo", help="whose codes")
    parser.add_argument(
        "--table", help="evaluation table of the customer's fault codes (--kb customer)"
    )
    args = parser.parse_args(argv)
    args.table = customer_table(parser, args.kb, args.table)
    args.engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    return args


def _run_engine(
    name: str, store: KnowledgeStore, photos: Path, truths: list[ImageTruth]
) -> dict[str, Any]:
    started = time.perf_counter()
    loaded = load_engine(cast("EngineName", name), fallback=False)
    load_s = time.perf_counter() - started
    reader = PhotoReader(loaded.engine, store)
    tally: Counter[str] = Counter()
    by_condition: dict[str, Counter[str]] = {}
    seconds, misses, errors = [], [], []
    for truth in truths:
        started = time.perf_counter()
        try:
            result = reader.read(photos / truth.file)
        except OcrError as exc:
            errors.append(f"{truth.file}: {exc.message}")
            continue
        seconds.append(time.perf_counter() - started)
        counts, miss = _score(truth, result)
        tally.update(counts)
        for condition in truth.conditions or ["none"]:
            by_condition.setdefault(condition, Counter()).update(counts)
        if miss:
            misses.append(miss)
    return {
        "engine": loaded.engine.name,
        "load_s": round(load_s, 2),
        "recall": _ratio(tally["hit"], tally["truth"]),
        "precision": _ratio(tally["hit"], tally["read"]),
        "unknown_marked": f"{tally['unknown_ok']}/{tally['unknown']}",
        "known_flag_errors": tally["known_wrong"],
        "low_confidence_share": _ratio(tally["low"], tally["read"]),
        "median_s": _percentile(seconds, 50),
        "p90_s": _percentile(seconds, 90),
        "recall_by_condition": {
            c: _ratio(n["hit"], n["truth"]) for c, n in sorted(by_condition.items())
        },
        "errors": errors,
        "misses": misses,
    }


def _score(truth: ImageTruth, result: OcrResult) -> tuple[Counter[str], str]:
    expected = {(c.kind, c.value): c for c in truth.codes}
    read = {(c.kind.value, c.value): c for c in result.codes}
    tally = tally_codes(expected, read)
    counts = Counter(
        truth=len(tally.expected),
        read=len(tally.read),
        hit=len(tally.found),
        low=sum(c.low_confidence for c in read.values()),
    )
    for key, code in expected.items():
        if code.known is None or key not in read:
            continue
        counts["known_wrong"] += read[key].known != code.known
        if code.known is False:
            counts["unknown"] += 1
            counts["unknown_ok"] += not read[key].known
    missing = sorted(v for _, v in tally.missed)
    extra = sorted(v for _, v in tally.extra)
    miss = ""
    if missing or extra:
        miss = f"{truth.file} {truth.conditions}: missed {missing}, extra {extra}"
    return counts, miss


def _one_shot(name: str, home: Path, image: Path, runs: int) -> float | None:
    """Median wall time of the console script reading one photo, cold."""
    script = Path(sys.executable).parent / "edge-agent"
    if runs < 1 or not script.exists():
        return None
    env = {**os.environ, "EDGE_AGENT_HOME": str(home)}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [str(script), "ocr", "--engine", name, str(image)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            print(f"one-shot {name} failed: {done.stderr.strip()}", file=sys.stderr)
            return None
    return round(statistics.median(times), 2)


ENGINE_PACKAGES = {
    "rapidocr": ("rapidocr", "onnxruntime", "opencv-python-headless"),
    "tesseract": ("pytesseract",),
}
DEBIAN_PACKAGES = ("tesseract-ocr", "tesseract-ocr-*", "libtesseract*", "liblept*")


def installed_sizes() -> dict[str, tuple[float | None, list[str]]]:
    """Per engine: installed MiB and what was counted."""
    app = _closure(["edge-field-assistant"])
    sizes: dict[str, tuple[float | None, list[str]]] = {}
    for engine, roots in ENGINE_PACKAGES.items():
        names = sorted((_closure(roots) - app) | {_normal(r) for r in roots})
        total = sum(_dist_bytes(name) for name in names)
        sizes[engine] = (round(total / 2**20, 1), names)
    debian = _debian_kib(DEBIAN_PACKAGES)
    mib, parts = sizes["tesseract"]
    if debian is None:
        sizes["tesseract"] = (None, [*parts, "Debian packages: dpkg-query unavailable"])
    else:
        kib, names = debian
        sizes["tesseract"] = (round((mib or 0) + kib / 1024, 1), parts + names)
    return sizes


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(roots: Iterable[str]) -> set[str]:
    """The installed distributions ``roots`` need, themselves included."""
    seen: set[str] = set()
    todo = [_normal(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        todo += [
            _normal(re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0])
            for req in requires
            if "extra ==" not in req
        ]
    return seen


def _dist_bytes(name: str) -> int:
    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError:
        return 0
    total = 0
    for file in files:
        path = Path(str(file.locate()))
        if path.is_file():
            total += path.stat().st_size
    return total


def _debian_kib(patterns: Sequence[str]) -> tuple[int, list[str]] | None:
    if shutil.which("dpkg-query") is None:
        return None
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${Installed-Size} ${Status}\n", *patterns],
        capture_output=True,
        text=True,
        check=False,
    )
    total, names = 0, []
    for line in done.stdout.splitlines():
        package, size, *status = line.split()
        if "installed" in status and size.isdigit():
            total += int(size)
            names.append(f"deb:{package}")
    return total, names


def _ratios(engines: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    base, other = engines.get(DEFAULT_ENGINE), engines.get("tesseract")
    if not base or not other:
        return {}
    fields = ("recall", "precision", "median_s", "p90_s", "one_shot_s", "installed_mib")
    return {f: _ratio(other.get(f), base.get(f)) for f in fields}


def _targets(figures: dict[str, Any] | None) -> dict[str, bool | None]:
    if not figures:
        return {}

    def check(value: float | None, ok: bool) -> bool | None:
        return None if value is None else ok

    recall, precision = figures["recall"], figures["precision"]
    median, one_shot = figures["median_s"], figures["one_shot_s"]
    return {
        "recall": check(recall, (recall or 0) >= TARGET_RECALL),
        "precision": check(precision, (precision or 0) >= TARGET_PRECISION),
        "median_s": check(median, (median or 0) <= TARGET_MEDIAN_S),
        "one_shot_s": check(one_shot, (one_shot or 0) <= TARGET_ONE_SHOT_S),
    }


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(float(numerator) / float(denominator), 4)


def _percentile(values: Sequence[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return round(ordered[index], 3)


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(terse=True),
    }


def _render(report: dict[str, Any]) -> str:
    s, m = report["set"], report["machine"]
    lines = [
        f"OCR benchmark: {s['photos']} photos, {s['codes']} codes (seed {s['seed']}, "
        f"generated in {s['generate_s']} s); {m['cpus']} CPUs, "
        f"load {m['load_average']}",
        "",
        f"{'engine':<10} {'recall':>7} {'precis.':>7} {'unknown':>8} {'median s':>9} "
        f"{'p90 s':>6} {'load s':>7} {'one-shot s':>10} {'size MiB':>9}",
    ]
    for name, f in report["engines"].items():
        lines.append(
            f"{name:<10} {_fmt(f['recall']):>7} {_fmt(f['precision']):>7} "
            f"{f['unknown_marked']:>8} {_fmt(f['median_s']):>9} {_fmt(f['p90_s']):>6} "
            f"{_fmt(f['load_s']):>7} {_fmt(f['one_shot_s']):>10} "
            f"{_fmt(f['installed_mib']):>9}"
        )
    if report["ratios"]:
        ratios = ", ".join(f"{k} {_fmt(v)}x" for k, v in report["ratios"].items())
        lines += ["", f"tesseract / rapidocr (same run): {ratios}"]
    if report["targets"]:
        verdicts = ", ".join(
            f"{k} {'n/a' if ok is None else 'PASS' if ok else 'FAIL'}"
            for k, ok in report["targets"].items()
        )
        lines += [f"Targets for {DEFAULT_ENGINE}: {verdicts}"]
    for name, f in report["engines"].items():
        lines += [
            "",
            f"{name}: recall by condition "
            + ", ".join(f"{c} {_fmt(r)}" for c, r in f["recall_by_condition"].items()),
        ]
        lines += [f"  error: {e}" for e in f["errors"]]
        lines += [f"  {miss}" for miss in f["misses"][:25]]
        if len(f["misses"]) > 25:
            lines.append(f"  ... {len(f['misses']) - 25} more photos with misses")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
