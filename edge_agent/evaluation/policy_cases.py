"""Policy cases: the policy in force decides a tool call, as on the device.

The call becomes a request with :func:`policies.request_for_call` (as the
action service and ``edge-agent policy explain`` build it) and is decided
by the device's :class:`~edge_agent.policy_store.PolicyStatus`, which
evaluates it under the candidate's bundle (and denies every action when the
bundle leaves the device read-only). A case passes when the decision is the
one expected.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from edge_agent.evaluation.cases import PolicyCase
from edge_agent.evaluation.results import CaseResult
from edge_agent.policy_store import PolicyStatus
from policies import TYPED, InvalidRequest, fresh, request_for_call


def run_policy_case(
    case: PolicyCase, status: PolicyStatus, technician_id: str
) -> CaseResult:
    """Decide the case's call under ``status`` and compare the outcome."""
    started = time.perf_counter()
    context = case.context
    got: dict[str, Any]
    try:
        request = request_for_call(
            status.policy,
            tool=case.tool,
            args=case.args,
            technician_id=technician_id,
            role=case.role,
            site=context.site,
            asset=context.asset,
            job=context.job,
            model_proposed=context.model_proposed,
            model_confidence=context.model_confidence,
            grounded=context.grounded,
            arg_origins={name: context.origins.get(name, TYPED) for name in case.args},
            # A case names no ages: its data is fresh, its job in the job book.
            freshness=fresh(job_in_book=True if "job_id" in case.args else None),
        )
    except InvalidRequest as exc:
        got = {"decision": None, "reasons": [exc.message], "matched_rules": []}
        problems = [f"no decision: the request cannot be built ({exc.message})"]
    else:
        decision = status.decide(request)
        got = {
            "decision": str(decision.outcome),
            "reasons": list(decision.reasons),
            "matched_rules": list(decision.matched_rules),
            "bundle_version": decision.bundle_version,
        }
        problems = []
        if decision.outcome is not case.expected:
            problems.append(
                f"decided {decision.outcome}, expected {case.expected} "
                f"({'; '.join(decision.reasons)})"
            )
    return CaseResult(
        id=case.id,
        kind=case.kind,
        passed=not problems,
        expected={
            "tool": case.tool,
            "args": dict(case.args),
            "role": case.role,
            "context": _context(case),
            "decision": str(case.expected),
        },
        got=got,
        problems=tuple(problems),
        scores={"match": not problems},
        seconds=time.perf_counter() - started,
        note=case.note,
    )


def _context(case: PolicyCase) -> dict[str, Any]:
    context = case.context
    given = {
        "site": context.site,
        "asset": context.asset,
        "job": context.job,
        "model_confidence": context.model_confidence,
        "grounded": context.grounded,
        "origins": dict(context.origins),
    }
    shown = {name: value for name, value in given.items() if value is not None}
    if context.model_proposed:
        shown["model_proposed"] = True
    return shown


def policy_figures(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Decisions as expected, and not."""
    matches = sum(bool(r.scores["match"]) for r in results)
    return {
        "cases": len(results),
        "passed": matches,
        "matches": matches,
        "mismatches": len(results) - matches,
    }
