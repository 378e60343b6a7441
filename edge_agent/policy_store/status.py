"""The policy in force at one moment, and deciding requests under it (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from policies import READ, Bundle, Decision, Outcome, Policy, Request, evaluate

READ_ONLY_NOTE = "Search, lookups and answers still work; no actions can be queued."


class ReadOnlyReason(StrEnum):
    """Why the assistant may not queue actions."""

    MISSING = "missing"
    """No policy bundle is installed."""
    EXPIRED = "expired"
    """The active bundle has expired."""
    KILL_SWITCH = "kill_switch"
    """The active bundle switches off all actions."""
    INVALID = "invalid"
    """The stored bundle or state failed its checks (altered, damaged)."""


@dataclass(frozen=True, slots=True)
class PolicyStatus:
    """The policy in force on the device at one moment.

    Attributes:
        bundle: The active bundle, also when expired or switched off; ``None``
            when there is none that verifies.
        read_only: Why actions are off, or ``None`` when they are allowed.
        reason: Plain-language summary of the state, for the technician.
        now: The device's high-water time when the status was taken.
    """

    bundle: Bundle | None
    read_only: ReadOnlyReason | None
    reason: str
    now: datetime

    @classmethod
    def read_only_because(
        cls,
        why: ReadOnlyReason,
        detail: str,
        now: datetime,
        bundle: Bundle | None = None,
    ) -> PolicyStatus:
        """A read-only status whose reason says why and what still works."""
        return cls(bundle, why, f"Read-only: {detail} {READ_ONLY_NOTE}", now)

    @property
    def actions_allowed(self) -> bool:
        """Whether actions may be proposed and queued."""
        return self.read_only is None

    @property
    def policy(self) -> Policy | None:
        """The active bundle's policy, if any."""
        return None if self.bundle is None else self.bundle.policy

    def decide(self, request: Request) -> Decision:
        """Decide ``request`` under this status (no I/O).

        In read-only mode every action is denied with the read-only reason;
        reading still works, under the bundle's policy when there is one.
        """
        if self.read_only is None and self.bundle is not None:
            return evaluate(self.bundle.policy, request)
        version = 0 if self.bundle is None else self.bundle.version
        if request.action_type != READ:
            return Decision(
                Outcome.DENY, (self.reason,), (f"read_only.{self.read_only}",), version
            )
        if self.bundle is not None:
            return evaluate(self.bundle.policy, request)
        return Decision(
            Outcome.ALLOW,
            (f"{request.tool} only reads, which works in read-only mode.",),
            ("read_only.read",),
            version,
        )
