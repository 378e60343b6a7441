"""Request benchmark: requests as technicians write them become the calls meant.

Run ``python -m tests.benchmarks.bench_requests [--no-model] [--set NAME]
[--misses] [--json]`` from the repository root.

The request sets in ``tests/data/requests/`` (``dev``: 125 requests the
reader was developed on; ``heldout``: 30 in another voice, sealed) run
against the demo knowledge base, ingested into a temporary home, and the demo
job list, in one process, with the demo policy's tools for a technician.

1. Rules only: :func:`read_request`. A request counts when rules read it
   whole, as the intended tool with exactly the intended arguments (free text
   holding the words the set lists, and none it must omit).
2. Rules then model (not with ``--no-model``): :func:`call_from_request`
   with the default model, as the app proposes: rules first, the model asked
   only for what they leave missing, what rules read kept as read. Counted
   the same way; requests rules read whole never reach the model.

Shares are given per set, per tool and per kind (``stated``: every argument
is written in the request or its context; ``described``: something must be
understood, such as a part named by its description). Time per request:
median and 95th percentile of each path.

Target: rules alone make at least 0.95 of the stated requests into the
intended call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge_agent.act.catalogue import TOOLS
from edge_agent.act.proposals import ToolCall
from edge_agent.act.request_reading import read_request
from edge_agent.act.request_turn import call_from_request, offered_tools
from edge_agent.config import load_settings
from edge_agent.jobs import JobBook, parse_job_book
from edge_agent.knowledge import demo_data_dir
from edge_agent.llm import ChatModel, ModelLoader, default_model_path
from edge_agent.policy_store import open_policy_store
from edge_agent.tracing import TurnTracer
from knowledge_cache import KnowledgeStore
from tests.benchmarks.reporting import emit, log, machine_facts, verdict, working_dir

REQUESTS_DIR = Path(__file__).resolve().parents[1] / "data/requests"
SETS = {
    "dev": REQUESTS_DIR / "dev_requests.json",
    "heldout": REQUESTS_DIR / "heldout_requests.json",
}
TEXT_ARGS = frozenset({"summary", "note", "resolution", "work_done", "message"})
TARGET_STATED_RULES = 0.95
ROLE = "technician"
POLICY_TIME = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Entry:
    """One request and the call it is meant to become."""

    id: str
    request: str
    job: str | None
    kind: str
    tool: str
    args: dict[str, Any]
    text: dict[str, dict[str, list[str]]]


def load_set(path: Path) -> list[Entry]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Entry(
            e["id"], e["request"], e["job"], e["kind"], e["tool"], e["args"], e["text"]
        )
        for e in data["requests"]
    ]


def miss_reason(call: ToolCall | None, entry: Entry) -> str | None:
    """Why ``call`` is not the call ``entry`` means, or ``None`` when it is."""
    if call is None:
        return "no call"
    if call.tool != entry.tool:
        return f"tool {call.tool}"
    fields = TOOLS[entry.tool].args.model_fields
    unknown = set(call.args) - set(fields)
    if unknown:
        return f"unknown {sorted(unknown)}"
    for name, info in fields.items():
        got = call.args.get(name, None if info.is_required() else info.default)
        if name in TEXT_ARGS:
            problem = _text_problem(name, got, entry.text.get(name, {}))
        else:
            meant = entry.args.get(name, None if info.is_required() else info.default)
            problem = None if got == meant else f"{name}={got!r} (meant {meant!r})"
        if problem:
            return problem
    return None


def _text_problem(name: str, got: Any, wanted: dict[str, list[str]]) -> str | None:
    if not isinstance(got, str) or not got.strip():
        return f"{name} empty"
    lower = got.lower()
    lacking = [w for w in wanted.get("contains", []) if w.lower() not in lower]
    extra = [w for w in wanted.get("omits", []) if w.lower() in lower]
    if lacking or extra:
        return f"{name}={got!r}"
    return None


Reader = Callable[[Entry], tuple[ToolCall | None, bool]]
"""Makes one entry's call; says whether the model was asked."""


def score(entries: Sequence[Entry], reader: Reader) -> dict[str, Any]:
    """Shares of entries made into their call, overall, per tool and per kind,
    with the misses and the time per request."""
    hits: dict[str, list[bool]] = defaultdict(list)
    misses, times, model_times = [], [], []
    for entry in entries:
        started = time.perf_counter()
        call, used_model = reader(entry)
        elapsed = (time.perf_counter() - started) * 1000
        times.append(elapsed)
        if used_model:
            model_times.append(elapsed)
        reason = miss_reason(call, entry)
        for group in ("all", f"tool/{entry.tool}", f"kind/{entry.kind}"):
            hits[group].append(reason is None)
        if reason is not None:
            misses.append({"id": entry.id, "request": entry.request, "why": reason})
    return {
        "requests": len(entries),
        "model_asked": len(model_times),
        "share": {
            group: round(sum(v) / len(v), 3) for group, v in sorted(hits.items())
        },
        "counts": {group: [sum(v), len(v)] for group, v in sorted(hits.items())},
        "ms": _times(times),
        "model_ms": _times(model_times) if model_times else None,
        "misses": misses,
    }


def _times(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


@dataclass(frozen=True, slots=True)
class Bench:
    store: KnowledgeStore
    jobs: JobBook
    tools: Sequence[Any]

    def rules(self, entry: Entry) -> tuple[ToolCall | None, bool]:
        reading = read_request(
            entry.request, store=self.store, jobs=self.jobs, job_id=entry.job
        )
        if not reading.complete:
            return None, False
        return ToolCall(str(reading.tool), reading.args), False

    def with_model(self, model: ChatModel) -> Reader:
        def read(entry: Entry) -> tuple[ToolCall | None, bool]:
            made = call_from_request(
                entry.request,
                model=model,
                store=self.store,
                jobs=self.jobs,
                tools=self.tools,
                tracer=TurnTracer("propose"),
                job_id=entry.job,
            )
            return made.call, made.model_call is not None

        return read


def run(bench: Bench, sets: dict[str, list[Entry]], model: ChatModel | None) -> dict:
    figures: dict[str, Any] = {}
    for name, entries in sets.items():
        log(f"{name}: rules only ...")
        figures[name] = {"rules": score(entries, bench.rules)}
        if model is not None:
            log(f"{name}: rules then model ...")
            figures[name]["rules_then_model"] = score(entries, bench.with_model(model))
    return figures


def render(figures: dict[str, Any]) -> str:
    lines = ["Requests made into the call meant (share, hits/requests)", ""]
    for name in SETS:
        if name not in figures:
            continue
        paths = figures[name]
        lines.append(f"{name} set")
        groups = paths["rules"]["share"]
        header = f"  {'':34}{'rules only':>22}"
        if "rules_then_model" in paths:
            header += f"{'rules then model':>22}"
        lines.append(header)
        for group in groups:
            row = f"  {group:34}"
            for path in ("rules", "rules_then_model"):
                if path in paths:
                    share = paths[path]["share"][group]
                    hit, total = paths[path]["counts"][group]
                    row += f"{share:>12.3f} ({hit:>3}/{total:>3})"
            lines.append(row)
        for path in ("rules", "rules_then_model"):
            if path in paths:
                found = paths[path]
                lines.append(
                    f"  {path}: per request p50 {found['ms']['p50']} ms, p95 "
                    f"{found['ms']['p95']} ms; model asked {found['model_asked']}"
                    + (
                        f" (those: p50 {found['model_ms']['p50']} ms, p95 "
                        f"{found['model_ms']['p95']} ms)"
                        if found["model_ms"]
                        else ""
                    )
                )
        if figures.get("show_misses"):
            for path in ("rules", "rules_then_model"):
                for miss in paths.get(path, {}).get("misses", []):
                    lines.append(
                        f"  miss ({path}) {miss['id']}: {miss['request']!r}: "
                        f"{miss['why']}"
                    )
        lines.append("")
    for name, verdict_text in figures.get("verdicts", {}).items():
        lines.append(f"{name}: {verdict_text}")
    return "\n".join(lines)


def verdicts(figures: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name in SETS:
        share = figures.get(name, {}).get("rules", {}).get("share", {})
        if "kind/stated" in share:
            out[f"{name} stated, rules only"] = verdict(
                share["kind/stated"] >= TARGET_STATED_RULES
            )
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-model", action="store_true", help="Rules only.")
    parser.add_argument("--set", choices=[*SETS, "both"], default="both")
    parser.add_argument("--misses", action="store_true", help="List every miss.")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = list(SETS) if args.set == "both" else [args.set]
    sets = {name: load_set(SETS[name]) for name in names}
    with working_dir(args.workdir, "bench-requests-") as home:
        os.environ["EDGE_AGENT_HOME"] = str(home)
        policy = open_policy_store(load_settings(), clock=lambda: POLICY_TIME)
        jobs = parse_job_book(
            json.loads((demo_data_dir() / "jobs.json").read_text(encoding="utf-8"))
        )
        model = None if args.no_model else ModelLoader(default_model_path()).wait()
        with KnowledgeStore.open(home / "kb.db") as store:
            store.ingest([demo_data_dir()])
            bench = Bench(store, jobs, offered_tools(policy.status().policy, ROLE))
            figures: dict[str, Any] = {
                "machine": machine_facts(
                    model=None if model is None else model.model_id
                ),
                **run(bench, sets, model),
                "show_misses": args.misses,
            }
    figures["verdicts"] = verdicts(figures)
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
