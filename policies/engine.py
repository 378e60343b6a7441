"""Deciding one request: :func:`evaluate`. No I/O, no clock, no randomness.

Order of judgement:

1. Built-in checks, each a denial: kill switches, unknown tool or role, a tool not
   on the role's allow-list, an action type that contradicts the tool catalogue,
   numbers that are not numbers.
2. The rules that match: the strictest outcome wins (deny > approve > confirm >
   allow). With no matching rule, a tool on the role's allow-list is allowed.
3. A ``confirm`` or ``approve`` decision is *interactive* when any matching
   rule says so: the technician's confirmation must be given at a prompt.
   Among rules of the same outcome, an interactive one's reason comes first.
4. A rule on the age of the data (``when.older_than``, ``when.job_not_in_book``)
   has what it found added to its reason: "(job book v7 from 3 days ago)".
"""

from __future__ import annotations

import math

from policies.model import READ, Decision, Outcome, Policy, Request, Rule

_CONFIRMED = (Outcome.CONFIRM, Outcome.APPROVE)
"""Outcomes the technician confirms on the device."""


def evaluate(policy: Policy, request: Request) -> Decision:
    """Decide ``request`` under ``policy``.

    Args:
        policy: The compiled policy (usually the active bundle's).
        request: The step the assistant wants to take.

    Returns:
        The decision, its reasons (deciding one first), the matched rules and the
        policy's bundle version.
    """
    refusals = _refusals(policy, request)
    if refusals:
        return Decision(
            Outcome.DENY,
            tuple(reason for _, reason in refusals),
            tuple(rule_id for rule_id, _ in refusals),
            policy.version,
        )
    matched = [
        rule
        for rule, holds in policy.candidates(request.role, request.tool)
        if holds(request)
    ]
    if not matched:
        return Decision(
            Outcome.ALLOW,
            (f"{request.tool} is on the allow-list for the {request.role} role.",),
            (f"roles.{request.role}",),
            policy.version,
        )
    matched.sort(key=lambda rule: (rule.outcome, rule.interactive), reverse=True)
    outcome = matched[0].outcome
    return Decision(
        outcome,
        tuple(_reason(rule, request) for rule in matched),
        tuple(rule.id for rule in matched),
        policy.version,
        interactive=outcome in _CONFIRMED and any(r.interactive for r in matched),
    )


def _reason(rule: Rule, request: Request) -> str:
    """The rule's reason, with what its freshness conditions found."""
    when = rule.when
    if when.older_than is None and when.job_not_in_book is None:
        return rule.reason
    notes = when.freshness_notes(request)
    if not notes:
        return rule.reason
    return f"{rule.reason.rstrip('.')} ({'; '.join(notes)})."


def _refusals(policy: Policy, request: Request) -> list[tuple[str, str]]:
    """The built-in checks that fail, as (check id, reason) pairs."""
    refusals = _switched_off(policy, request)
    tool, role = request.tool, request.role
    declared = policy.tools.get(tool)
    if declared is None:
        refusals.append(("tools", f"{tool} is not a known tool."))
    elif declared != request.action_type:
        refusals.append(
            (
                f"tools.{tool}",
                f"{tool} is a {declared} action, not {request.action_type}.",
            )
        )
    allowed = policy.roles.get(role)
    if allowed is None:
        refusals.append(("roles", f"{role} is not a known role."))
    elif declared is not None and tool not in allowed.tools:
        refusals.append((f"roles.{role}", f"The {role} role may not use {tool}."))
    refusals.extend(_bad_numbers(request))
    return refusals


def _switched_off(policy: Policy, request: Request) -> list[tuple[str, str]]:
    switches = policy.kill_switches
    why = switches.reason.rstrip(".")
    off: list[tuple[str, str]] = []
    if switches.agent and request.action_type != READ:
        off.append(("kill_switch.agent", f"All actions are off: {why}."))
    if request.tool in switches.tools:
        off.append(("kill_switch.tool", f"{request.tool} is off: {why}."))
    if request.action_type in switches.action_types:
        off.append(
            (
                "kill_switch.action_type",
                f"{request.action_type} actions are off: {why}.",
            )
        )
    return off


def _bad_numbers(request: Request) -> list[tuple[str, str]]:
    """Numbers a threshold could not judge: NaN, infinities, negatives, non-ints."""
    bad: list[tuple[str, str]] = []
    amount, quantity, confidence = (
        request.amount,
        request.quantity,
        request.model_confidence,
    )
    if amount is not None and not (_is_number(amount) and 0 <= amount < math.inf):
        bad.append(("request.amount", f"The amount {amount!r} is not valid."))
    if quantity is not None and not (type(quantity) is int and quantity >= 0):
        bad.append(("request.quantity", f"The quantity {quantity!r} is not valid."))
    if confidence is not None and not (_is_number(confidence) and 0 <= confidence <= 1):
        bad.append(
            ("request.model_confidence", f"The confidence {confidence!r} is not valid.")
        )
    return bad


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
