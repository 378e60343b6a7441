"""The policy model: what a request looks like, the rules over it, and decisions.

All values are frozen. A :class:`Policy` indexes its rules by role and tool when it
is built, so :func:`policies.evaluate` only looks at rules that can apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from types import MappingProxyType
from typing import Any

from policies.conditions import Check, Condition
from policies.freshness import UNKNOWN, Freshness

READ = "read"
"""The action type of tools that change nothing (search, lookup, OCR)."""

ACTION_TYPES = frozenset({READ, "create", "update", "delete", "order", "contact"})
"""Every action type a tool can have."""


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


class Outcome(IntEnum):
    """What may happen to a request, ordered from most to least permissive."""

    ALLOW = 0
    """Run it."""
    CONFIRM = 1
    """The technician confirms on the device first."""
    APPROVE = 2
    """Queued, but not applied until a supervisor approves it at the centre."""
    DENY = 3
    """Not allowed."""

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Outcome:
        """The outcome named ``text`` (``"allow"``, ``"confirm"``, ...).

        Raises:
            ValueError: ``text`` names no outcome.
        """
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(str(o) for o in cls)
            raise ValueError(f"expected one of {names}, got {text!r}") from None


@dataclass(frozen=True, slots=True)
class Request:
    """One step the assistant wants to take, as the policy sees it.

    Attributes:
        technician_id: Who is using the device.
        role: The technician's role (``technician``, ``apprentice``, ...).
        tool: The tool to run, e.g. ``order_part``.
        action_type: What kind of action the tool is (see :data:`ACTION_TYPES`).
        args: The tool's arguments.
        site: The site the action concerns, if known.
        asset: The asset the action concerns, if known.
        job: The job the action belongs to, if known.
        model_proposed: Whether the model (rather than the technician) proposed it.
        model_confidence: The model's confidence in the proposal, 0 to 1.
        grounded: Whether the proposal passed the grounding check.
        amount: Money involved (e.g. quantity times unit price).
        quantity: Number of items involved.
        arg_origins: Where each argument's text came from (see
            :mod:`policies.origins`); an argument missing here is ``unknown``.
        freshness: How old the data the request rests on is (see
            :mod:`policies.freshness`); by default every age is unknown.
    """

    technician_id: str
    role: str
    tool: str
    action_type: str
    args: Mapping[str, Any] = field(default_factory=_empty)
    site: str | None = None
    asset: str | None = None
    job: str | None = None
    model_proposed: bool = False
    model_confidence: float | None = None
    grounded: bool | None = None
    amount: float | None = None
    quantity: int | None = None
    arg_origins: Mapping[str, str] = field(default_factory=_empty)
    freshness: Freshness = UNKNOWN


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's answer to a request, with the reasons for it.

    Attributes:
        outcome: The strictest outcome among the rules that matched.
        reasons: Plain-language reasons, the deciding one first.
        matched_rules: Ids of the rules (or built-in checks) behind the reasons.
        bundle_version: Version of the policy bundle that decided (0: unbundled).
        interactive: The confirmation the outcome asks for must be given by
            the technician at a prompt (the app's dialog, a terminal's
            question), never by a flag such as ``--yes`` or a script.
    """

    outcome: Outcome
    reasons: tuple[str, ...]
    matched_rules: tuple[str, ...]
    bundle_version: int
    interactive: bool = False

    @property
    def allowed(self) -> bool:
        """The action may run with no further step."""
        return self.outcome is Outcome.ALLOW

    @property
    def needs_confirmation(self) -> bool:
        """The technician must confirm the action on the device."""
        return self.outcome is Outcome.CONFIRM

    @property
    def needs_approval(self) -> bool:
        """The action is queued until a supervisor approves it."""
        return self.outcome is Outcome.APPROVE

    @property
    def denied(self) -> bool:
        """The action must not happen."""
        return self.outcome is Outcome.DENY

    @property
    def needs_interactive_confirmation(self) -> bool:
        """The technician's confirmation must be given at a prompt."""
        return self.interactive and self.outcome in (Outcome.CONFIRM, Outcome.APPROVE)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for traces and ``--json`` output.

        ``interactive`` appears only when set, so a decision under a policy
        without interactive rules reads as it always did.
        """
        data: dict[str, Any] = {
            "outcome": str(self.outcome),
            "reasons": list(self.reasons),
            "matched_rules": list(self.matched_rules),
            "bundle_version": self.bundle_version,
        }
        if self.interactive:
            data["interactive"] = True
        return data


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: when its condition holds, it contributes its outcome and reason.

    Attributes:
        id: Stable identifier, shown in decisions and traces.
        outcome: What the rule asks for.
        reason: Plain-language explanation shown to the technician.
        when: The condition under which the rule applies.
        interactive: The technician's confirmation must be given at a prompt
            (only for ``confirm`` and ``approve`` rules).
    """

    id: str
    outcome: Outcome
    reason: str
    when: Condition = Condition()
    interactive: bool = False


Candidate = tuple[Rule, Check]
"""A rule and the check of its context conditions."""


@dataclass(frozen=True, slots=True)
class Role:
    """A role and the tools it may use at all (its allow-list)."""

    name: str
    tools: frozenset[str]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Budgets:
    """Time and token budgets the agent loop enforces.

    Attributes:
        answer_max_tokens: Most tokens the model may generate for one answer.
        answer_timeout_ms: Longest the model may take for one answer.
        tool_calls_per_turn: Most tool calls in one technician turn.
        tool_timeout_ms: Longest one tool call may take, unless overridden.
        tool_timeouts_ms: Per-tool overrides of ``tool_timeout_ms``.
    """

    answer_max_tokens: int = 256
    answer_timeout_ms: int = 30_000
    tool_calls_per_turn: int = 3
    tool_timeout_ms: int = 2_000
    tool_timeouts_ms: Mapping[str, int] = field(default_factory=_empty)

    def tool_timeout(self, tool: str) -> int:
        """The time budget of one call to ``tool``, in milliseconds."""
        return self.tool_timeouts_ms.get(tool, self.tool_timeout_ms)


@dataclass(frozen=True, slots=True)
class KillSwitches:
    """Switches the centre can throw to stop tools, action types or all actions.

    Attributes:
        agent: Stop every action (the agent becomes read-only).
        tools: Tools that must not run at all.
        action_types: Action types that must not run.
        reason: Why, in plain language.
    """

    agent: bool = False
    tools: frozenset[str] = frozenset()
    action_types: frozenset[str] = frozenset()
    reason: str = "switched off by the central office"


@dataclass(frozen=True, slots=True)
class Policy:
    """A complete, compiled policy.

    Attributes:
        tools: Every known tool and its action type.
        roles: Every role by name, with its tool allow-list.
        rules: The rules, in source order.
        budgets: Time and token budgets.
        redact_fields: Argument and field names to redact from traces.
        kill_switches: Tools, action types or the whole agent switched off.
        version: Version of the bundle the policy came from (0: unbundled).
        price_tolerance: How far a part's catalogue price may move, as a
            fraction of the newest price, before the centre holds an order
            proposed at the old one (0: any change; ``[freshness]``).
    """

    tools: Mapping[str, str]
    roles: Mapping[str, Role]
    rules: tuple[Rule, ...] = ()
    budgets: Budgets = Budgets()
    redact_fields: frozenset[str] = frozenset()
    kill_switches: KillSwitches = KillSwitches()
    version: int = 0
    price_tolerance: float = 0.0
    _index: Mapping[tuple[str, str], tuple[Candidate, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _index_rules(self))

    def candidates(self, role: str, tool: str) -> tuple[Candidate, ...]:
        """The rules that can apply to ``role`` using ``tool``, in source order.

        Each comes with its compiled context check (see
        :meth:`Condition.matches_context`): role, tool and action type
        conditions are already settled by the lookup.
        """
        return self._index.get((role, tool), ())

    def rules_for(self, role: str, tool: str) -> tuple[Rule, ...]:
        """The rules whose role, tool and action type conditions can hold."""
        return tuple(rule for rule, _ in self.candidates(role, tool))

    def with_version(self, version: int) -> Policy:
        """The same policy, labelled with a bundle version."""
        return replace(self, version=version)


def _index_rules(policy: Policy) -> Mapping[tuple[str, str], tuple[Candidate, ...]]:
    return MappingProxyType(
        {
            (role, tool): tuple(
                (rule, rule.when.context_check)
                for rule in policy.rules
                if rule.when.applies_to(role, tool, action_type)
            )
            for role in policy.roles
            for tool, action_type in policy.tools.items()
        }
    )
