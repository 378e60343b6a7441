"""Policy benchmark: evaluate() latency with a large bundle, and bundle checks.

Usage::

    python -m tests.benchmarks.bench_policy [--rules N] [--requests N] [--json]

1. Policy: the shipped catalogue, roles, budgets and kill switches, plus
   ``--rules`` generated rules shaped like the shipped ones (a tool or an action
   type, often a role, then one or two conditions: money or quantity thresholds,
   site and asset scopes, model confidence and grounding, arguments). They go
   through the real loader from TOML text.
2. Bundle: the policy signed with a throwaway key; ``verify_bundle`` (parse,
   Ed25519 signature, file hashes, compile) timed ``--bundle-repeats`` times.
3. evaluate(): ``--requests`` requests over every role and tool with varied
   context, each timed on its own after a warm-up pass, in two scenarios:
   *realistic* (the generated rules) and *worst case* (the same rules without
   their tool, action type and role conditions, so every rule is checked on
   every request).

Target: p99 <= 100 us per decision with 200 rules (OPA's published budget for
a policy decision is 1 ms).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from policies import (
    Policy,
    Request,
    TrustedKeys,
    evaluate,
    policy_from_sources,
    read_policy_sources,
    request_for_call,
    verify_bundle,
)
from policies.defaults import SOURCE_DIR
from policies.signing import build_bundle, generate_signing_key

TARGET_P99_US = 100.0
OUTCOMES = ("allow", "confirm", "confirm", "approve", "approve", "deny")
ROLES = ("technician", "senior_technician", "apprentice")
SITES = ("NORTH-1", "NORTH-2", "SOUTH-4", "TRAIN-1", "DEPOT-9")
ASSETS = ("PUMP-7", "PUMP-12", "CMP-3", "GEN-44", "MED-0042", "HVAC-9")
SITE_PATTERNS = ("NORTH-*", "SOUTH-*", "TRAIN-*", "DEPOT-9")
ASSET_PATTERNS = ("PUMP-*", "CMP-*", "MED-*", "GEN-44", "HVAC-*")
STATUSES = ("open", "in_progress", "done", "cancelled")


def context_condition(rng: random.Random) -> list[str]:
    """One condition on the request's context, as TOML lines of a rule."""
    kind = rng.randrange(8)
    if kind == 0:
        return [f"when.amount_over = {rng.randint(50, 5000)}"]
    if kind == 1:
        return [f"when.quantity_over = {rng.randint(1, 80)}"]
    if kind == 2:
        sites = rng.sample(SITE_PATTERNS, rng.randint(1, 2))
        key = rng.choice(("sites", "outside_sites"))
        return [f"when.{key} = {json.dumps(sites)}"]
    if kind == 3:
        assets = rng.sample(ASSET_PATTERNS, rng.randint(1, 2))
        key = rng.choice(("assets", "outside_assets"))
        return [f"when.{key} = {json.dumps(assets)}"]
    if kind == 4:
        floor = round(rng.uniform(0.3, 0.9), 2)
        return ["when.model_proposed = true", f"when.confidence_below = {floor}"]
    if kind == 5:
        return ["when.model_proposed = true", "when.not_grounded = true"]
    if kind == 6:
        return [f"when.args.status = {json.dumps(rng.sample(STATUSES, 2))}"]
    return [f'when.technicians = ["t-{rng.randint(1, 40)}"]']


def rule_text(
    number: int, rng: random.Random, tools: dict[str, str], *, targeted: bool
) -> str:
    lines = [
        "[[rules]]",
        f'id = "bench-{number:04d}"',
        f'outcome = "{rng.choice(OUTCOMES)}"',
        f'reason = "Generated rule {number}."',
    ]
    if targeted:
        if rng.random() < 0.7:
            chosen = rng.sample(sorted(tools), rng.randint(1, 2))
            lines.append(f"when.tools = {json.dumps(chosen)}")
        else:
            kinds = sorted(set(tools.values()) - {"read"})
            chosen = rng.sample(kinds, rng.randint(1, 2))
            lines.append(f"when.action_types = {json.dumps(chosen)}")
        if rng.random() < 0.5:
            roles = rng.sample(ROLES, rng.randint(1, 2))
            lines.append(f"when.roles = {json.dumps(roles)}")
    for _ in range(rng.randint(1, 2)):
        lines += context_condition(rng)
    # The same condition key twice in one rule is invalid TOML: keep the last.
    seen: dict[str, str] = {}
    for line in lines:
        seen[line.split(" = ")[0]] = line
    return "\n".join(seen.values()) + "\n"


def policy_sources(rules: int, seed: int, *, targeted: bool) -> dict[str, str]:
    """The shipped sources with ``rules.toml`` replaced by generated rules."""
    sources = read_policy_sources(SOURCE_DIR)
    tools = dict(policy_from_sources(sources).tools)
    rng = random.Random(seed)
    generated = "\n".join(
        rule_text(i, rng, tools, targeted=targeted) for i in range(rules)
    )
    return {**sources, "rules.toml": generated}


def make_requests(policy: Policy, count: int, seed: int) -> list[Request]:
    rng = random.Random(seed + 1)
    tools = sorted(policy.tools)
    requests = []
    for _ in range(count):
        tool = rng.choice(tools)
        args: dict[str, Any] = {"asset_id": rng.choice(ASSETS)}
        if tool == "order_part":
            args |= {
                "part_number": "4471-A20-339",
                "quantity": rng.randint(1, 100),
                "unit_price": round(rng.uniform(1, 400), 2),
            }
        if tool in ("update_work_order", "close_work_order"):
            args["status"] = rng.choice(STATUSES)
        proposed = rng.random() < 0.5
        requests.append(
            request_for_call(
                policy,
                tool=tool,
                args=args,
                technician_id=f"t-{rng.randint(1, 40)}",
                role=rng.choice(ROLES),
                site=rng.choice(SITES),
                job=f"J-{rng.randint(1, 999)}",
                model_proposed=proposed,
                model_confidence=round(rng.random(), 2) if proposed else None,
                grounded=rng.random() < 0.8 if proposed else None,
            )
        )
    return requests


def time_decisions(policy: Policy, requests: Sequence[Request]) -> list[int]:
    """Each evaluate() call timed on its own, after one untimed warm-up pass."""
    for request in requests:
        evaluate(policy, request)
    samples = []
    clock = time.perf_counter_ns
    for request in requests:
        start = clock()
        evaluate(policy, request)
        samples.append(clock() - start)
    return samples


def latency(policy: Policy, requests: Sequence[Request]) -> dict[str, Any]:
    samples = time_decisions(policy, requests)
    cuts = statistics.quantiles(samples, n=1000, method="inclusive")
    checked = [len(policy.rules_for(r.role, r.tool)) for r in requests]
    outcomes = [str(evaluate(policy, r).outcome) for r in requests]
    return {
        "rules": len(policy.rules),
        "decisions": len(samples),
        "rules_checked_mean": round(statistics.fmean(checked), 1),
        "us": {
            "p50": round(cuts[499] / 1e3, 2),
            "p90": round(cuts[899] / 1e3, 2),
            "p99": round(cuts[989] / 1e3, 2),
            "p99.9": round(cuts[998] / 1e3, 2),
            "max": round(max(samples) / 1e3, 2),
            "mean": round(statistics.fmean(samples) / 1e3, 2),
        },
        "decisions_per_s": round(len(samples) / (sum(samples) / 1e9)),
        "outcomes": {
            o: outcomes.count(o) for o in ("allow", "confirm", "approve", "deny")
        },
    }


def bench_bundle(sources: dict[str, str], repeats: int) -> dict[str, Any]:
    key = generate_signing_key("bench")
    now = datetime.now(UTC)
    start = time.perf_counter_ns()
    data = build_bundle(
        sources, key, version=2, issued_at=now, expires_at=now + timedelta(days=30)
    )
    sign_ns = time.perf_counter_ns() - start
    trusted = TrustedKeys.of(key.public_key)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        verify_bundle(data, trusted, active_version=1, now=now)
        samples.append(time.perf_counter_ns() - start)
    return {
        "bytes": len(data),
        "sign_ms": round(sign_ns / 1e6, 2),
        "verify_ms_median": round(statistics.median(samples) / 1e6, 2),
        "verify_ms_max": round(max(samples) / 1e6, 2),
        "repeats": repeats,
    }


def machine_facts() -> dict[str, Any]:
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(usable) or os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gc": gc.isenabled(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    realistic_sources = policy_sources(args.rules, args.seed, targeted=True)
    worst_sources = policy_sources(args.rules, args.seed, targeted=False)
    start = time.perf_counter_ns()
    realistic = policy_from_sources(realistic_sources, version=2)
    compile_ms = (time.perf_counter_ns() - start) / 1e6
    worst = policy_from_sources(worst_sources, version=2)
    requests = make_requests(realistic, args.requests, args.seed)
    return {
        "machine": machine_facts(),
        "compile_ms": round(compile_ms, 2),
        "bundle": bench_bundle(realistic_sources, args.bundle_repeats),
        "evaluate": {
            "realistic": latency(realistic, requests),
            "worst_case": latency(worst, requests),
        },
        "target_p99_us": TARGET_P99_US,
    }


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES TARGET"


def render(figures: dict[str, Any]) -> str:
    m, b = figures["machine"], figures["bundle"]
    lines = [
        f"machine: {m['usable_cores']} of {m['cores']} cores, Python {m['python']}, "
        f"{m['platform']}",
        "",
        f"1. Policy: {figures['evaluate']['realistic']['rules']} generated rules + "
        f"shipped catalogue, compiled from TOML in {figures['compile_ms']} ms",
        f"2. Bundle: {b['bytes']:,} bytes, signed in {b['sign_ms']} ms; "
        f"verify_bundle median {b['verify_ms_median']} ms, max {b['verify_ms_max']} ms "
        f"({b['repeats']} runs)",
        f"3. evaluate(), one decision at a time (us)"
        f"{'':6}p50      p90      p99    p99.9      max",
    ]
    for name, e in figures["evaluate"].items():
        us = e["us"]
        lines.append(
            f"   {name:<12} {e['decisions']:>7} decisions, "
            f"{e['rules_checked_mean']:>5} rules checked "
            f"{us['p50']:8.2f} {us['p90']:8.2f} {us['p99']:8.2f} "
            f"{us['p99.9']:8.2f} {us['max']:8.2f}"
        )
        lines.append(
            f"   {'':<12} {e['decisions_per_s']:,} decisions/s; outcomes "
            + ", ".join(f"{k} {v}" for k, v in e["outcomes"].items())
            + f"; p99 <= {TARGET_P99_US:g} us: {verdict(us['p99'] <= TARGET_P99_US)}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--bundle-repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260501)
    parser.add_argument(
        "--json", action="store_true", help="print JSON on stdout (table on stderr)"
    )
    args = parser.parse_args(argv)
    if args.rules < 1 or args.requests < 2 or args.bundle_repeats < 1:
        parser.error("--rules and --bundle-repeats must be >= 1, --requests >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    figures = run(args)
    if args.json:
        print(render(figures), file=sys.stderr)
        print(json.dumps(figures, indent=2))
    else:
        print(render(figures))
    return figures


if __name__ == "__main__":
    main()
