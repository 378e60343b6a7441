"""Re-validating a pushed action under the centre's current policy. Pure.

The device decided under the bundle it had; the centre decides again under
the newest bundle it published (with its kill switches), and compares:

- the action's integrity first: a broken hash-chain link, a payload that is
  not ``{"tool", "args"}`` for its tool, or one that does not match its hash
  puts it in quarantine whatever the policies say;
- denied by the centre now: **rejected**;
- the device's decision unreadable or a denial that was sent anyway, either
  side asking for a supervisor's approval, or a confirmation that is missing
  or does not match (payload hash, technician, policy version), or was not
  given at a prompt when either policy asks for that: **quarantined**;
- allowed by both (confirmed where either policy asks for it): **applied**,
  unless the world changed meanwhile (the job no longer assigned to the
  technician, or closed: :mod:`sync.server.world_check`; the part gone from
  the catalogue or its price moved beyond the policy's tolerance, or a cited
  document withdrawn: :mod:`sync.server.kb_check`): **quarantined** with the
  change named.

No policy published at the centre, or an expired one, quarantines every
action: the centre applies nothing it cannot judge.

The centre decides on what the device recorded: who proposed the action, the
model's confidence, grounding, and where each argument's text came from (the
evidence's ``argument_origins``; an action from a device that records none
has every origin ``unknown`` to the rules). It judges the age of the data the
same way, as the device stated it (the evidence's ``freshness``) plus the time
between the action's creation and now: data fresh enough when the device
decided may not be by the time it reaches the centre. A device that records
no ages has every age unknown, which rules on ages count as too old.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from policies import (
    Decision,
    InvalidRequest,
    Outcome,
    Policy,
    evaluate,
    freshness_in_evidence,
    origins_in_evidence,
    request_for_call,
)
from policies.bundle import format_time
from sync.chain import payload_hash
from sync.protocol import WireAction
from sync.server.kb_check import KbNow, part_problems, withdrawn_problems
from sync.server.records import Verdict
from sync.server.world_check import JobBookNow, world_problems


@dataclass(frozen=True, slots=True)
class CentrePolicy:
    """The policy the centre judges with: the newest published bundle's.

    Attributes:
        policy: The compiled policy, kill switches included.
        version: Its bundle version.
        expires_at: When the bundle expires.
    """

    policy: Policy
    version: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What the centre knows about the device that pushed the action.

    Attributes:
        technician_id: The technician the device is enrolled for.
        role: Their role.
        jobs: The device's assigned jobs by id (``site_id``, ``asset_id``).
        job_book: The job book the centre assigns the device now, to check
            each action against (see :mod:`sync.server.world_check`).
        kb: The knowledge base the centre publishes now, to check parts and
            cited documents against (see :mod:`sync.server.kb_check`).
    """

    technician_id: str
    role: str
    jobs: Mapping[str, Mapping[str, Any]]
    job_book: JobBookNow = JobBookNow()
    kb: KbNow = KbNow()


def revalidate(
    action: WireAction,
    *,
    context: DeviceContext,
    policy: CentrePolicy | None,
    now: datetime,
    chain_problem: str | None = None,
) -> Verdict:
    """The centre's verdict on ``action``; ``chain_problem`` says how its link
    broke, if it did."""
    integrity = [chain_problem] if chain_problem else []
    integrity += _payload_problems(action)
    if policy is None:
        return Verdict("quarantined", _join(integrity + [_NO_POLICY]))
    if policy.expires_at <= now:
        expired = (
            f"The centre's policy (version {policy.version}) expired at "
            f"{format_time(policy.expires_at)}; a supervisor reviews this action."
        )
        return Verdict("quarantined", _join([*integrity, expired]))
    try:
        request = _request(action, context, policy.policy, now)
        decision = evaluate(policy.policy, request)
    except InvalidRequest as exc:
        return Verdict(
            "quarantined" if integrity else "rejected",
            _join([*integrity, f"Its arguments are not valid: {exc.message}"]),
        )
    centre = decision.as_dict()
    if integrity:
        also = [] if decision.denied else _disagreements(action, decision, context)
        return Verdict("quarantined", _join(integrity + also), centre)
    if decision.denied:
        return Verdict(
            "rejected",
            f"Denied by the centre's policy (version {decision.bundle_version}): "
            f"{'; '.join(decision.reasons)}",
            centre,
        )
    problems = _disagreements(action, decision, context)
    problems += _world_problems(action, context, policy.policy)
    if problems:
        return Verdict("quarantined", _join(problems), centre)
    return Verdict(
        "applied",
        f"Applied: allowed by the device's policy (version "
        f"{_device_version(action)}) and the centre's (version "
        f"{decision.bundle_version}).",
        centre,
    )


def _world_problems(
    action: WireAction, context: DeviceContext, policy: Policy
) -> list[str]:
    given = action.payload.get("args")
    args: Mapping[str, Any] = given if isinstance(given, dict) else {}
    changed = world_problems(
        args, context.technician_id, context.job_book, _created(action)
    )
    changed += part_problems(
        action.tool, args, context.kb, tolerance=policy.price_tolerance
    )
    changed += withdrawn_problems(action.evidence, context.kb)
    return [f"Changed since the device decided: {problem}" for problem in changed]


_NO_POLICY = (
    "The centre has no policy published, so it cannot judge this action; a "
    "supervisor reviews it."
)


def _join(problems: list[str]) -> str:
    return " ".join(p if p.endswith(".") else f"{p}." for p in problems)


def _payload_problems(action: WireAction) -> list[str]:
    payload = action.payload
    if payload.get("tool") != action.tool or not isinstance(payload.get("args"), dict):
        return [f"Its payload is not a call of {action.tool} with its arguments"]
    if payload_hash(payload) != action.payload_hash:
        return ["Its payload does not match its payload hash (changed after recording)"]
    return []


def _request(
    action: WireAction, context: DeviceContext, policy: Policy, now: datetime
) -> Any:
    given = action.payload.get("args")
    # Arguments that are not an object are an integrity problem already; the
    # centre still decides on the tool alone.
    args: Mapping[str, Any] = given if isinstance(given, dict) else {}
    job = context.jobs.get(str(args.get("job_id", "")), {})
    evidence = action.evidence
    confidence = evidence.get("model_confidence")
    grounded = evidence.get("grounded")
    return request_for_call(
        policy,
        tool=action.tool,
        args=args,
        technician_id=context.technician_id,
        role=context.role,
        site=_text(job.get("site_id")),
        asset=_text(job.get("asset_id")),
        job=_text(job.get("job_id")),
        model_proposed=evidence.get("proposed_by") == "model",
        model_confidence=float(confidence)
        if isinstance(confidence, int | float) and not isinstance(confidence, bool)
        else None,
        grounded=grounded if isinstance(grounded, bool) else None,
        arg_origins=origins_in_evidence(evidence),
        freshness=freshness_in_evidence(evidence, elapsed=_since(action, now)),
    )


def _since(action: WireAction, now: datetime) -> float:
    """Seconds from the action's creation to ``now`` (0 when its time cannot
    be read or lies ahead)."""
    created = _created(action)
    return 0.0 if created is None else max((now - created).total_seconds(), 0.0)


def _created(action: WireAction) -> datetime | None:
    """When the device created the action, if its time reads with a zone."""
    try:
        created = datetime.fromisoformat(action.created_at)
    except ValueError:
        return None
    return created if created.tzinfo is not None else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _device_outcome(action: WireAction) -> Outcome | None:
    text = action.decision.get("outcome")
    try:
        return Outcome.parse(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _device_version(action: WireAction) -> int:
    version = action.decision.get("bundle_version", 0)
    return version if isinstance(version, int) and not isinstance(version, bool) else 0


def _disagreements(
    action: WireAction, centre: Decision, context: DeviceContext
) -> list[str]:
    device = _device_outcome(action)
    if device is None:
        return ["The device's decision is unreadable, so the centre cannot compare"]
    if device is Outcome.DENY:
        return ["The policies disagree: the device's policy denied it, yet it was sent"]
    problems: list[str] = []
    if Outcome.APPROVE in (device, centre.outcome) or (
        action.state == "awaiting_approval"
    ):
        problems.append(
            f"It needs a supervisor's approval: {_approval(action, centre)}"
        )
    if Outcome.CONFIRM in (device, centre.outcome) or device is Outcome.APPROVE:
        problem = _confirmation_problem(action, context, _who_asks(device, centre))
        problem = problem or _prompt_problem(action, centre)
        if problem:
            problems.append(problem)
    return problems


def _who_asks(device: Outcome, centre: Decision) -> str:
    if device in (Outcome.CONFIRM, Outcome.APPROVE):
        return "the device's policy"
    return (
        f"the policies disagree: the centre's policy (version "
        f"{centre.bundle_version}) asks for it and the device's did not"
    )


def _prompt_problem(action: WireAction, centre: Decision) -> str | None:
    """Why the confirmation falls short when a policy asks for one given at a
    prompt and it was not (a ``--yes`` or a script gave it)."""
    given = action.confirmation or {}
    if given.get("interactive") is True:
        return None
    if action.decision.get("interactive") is True:
        who = "the device's policy"
    elif centre.needs_interactive_confirmation:
        who = f"the centre's policy (version {centre.bundle_version})"
    else:
        return None
    return (
        f"The technician's confirmation was not given at a prompt, as {who} asks for it"
    )


def _approval(action: WireAction, centre: Decision) -> str:
    if centre.needs_approval:
        return centre.reasons[0]
    reasons = action.decision.get("reasons")
    if isinstance(reasons, list) and reasons and isinstance(reasons[0], str):
        return f"the device's policy says: {reasons[0]}"
    return "the device's policy asks for it"


def _confirmation_problem(
    action: WireAction, context: DeviceContext, who_asks: str
) -> str | None:
    given = action.confirmation
    if given is None:
        return f"The technician's confirmation is missing ({who_asks})"
    if given.get("payload_hash") != payload_hash(action.payload):
        return "The confirmation was given for another payload"
    if given.get("technician_id") != context.technician_id:
        return (
            f"The confirmation was given by {given.get('technician_id')!r}, not by "
            f"{context.technician_id!r}, for whom the device is enrolled"
        )
    if given.get("bundle_version") != _device_version(action):
        return (
            f"The confirmation was given under policy version "
            f"{given.get('bundle_version')!r}, not the version "
            f"{_device_version(action)} that decided"
        )
    return None
