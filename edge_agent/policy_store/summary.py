"""The policy in force, summarised for ``edge-agent policy show`` and the app."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from edge_agent.policy_store.status import PolicyStatus
from policies import Bundle, KeySet, Outcome, format_time


class CentreSwitch(Protocol):
    """What the centre last said is switched off (kept by the sync state)."""

    @property
    def agent(self) -> bool: ...

    @property
    def tools(self) -> tuple[str, ...]: ...

    @property
    def reason(self) -> str: ...

    @property
    def unreadable(self) -> bool: ...


def status_summary(
    status: PolicyStatus, switch: CentreSwitch | None = None
) -> dict[str, Any]:
    """What ``policy show`` and the status bar report, as a JSON-ready mapping:
    the bundle in force, and the centre's kill switch from the last sync,
    which stops actions as surely as a read-only policy."""
    allowed, reason = status.actions_allowed, status.reason
    if allowed and switch is not None and switch.agent:
        allowed = False
        reason = (
            "Read-only: the centre has switched off all actions "
            f"({switch.reason or 'no reason given'}). Search, lookups and answers "
            "still work."
        )
    summary: dict[str, Any] = {
        "actions_allowed": allowed,
        "read_only_reason": status.read_only
        or ("kill_switch" if not allowed else None),
        "status": reason,
        "device_time": format_time(status.now),
        "centre_kill_switch": _switch_summary(switch),
        "held": _held(switch) if allowed else None,
        "bundle": None,
    }
    if status.bundle is not None:
        summary["bundle"] = _bundle_summary(status.bundle)
    return summary


def _held(switch: CentreSwitch | None) -> str | None:
    """Why every action waits for a supervisor whatever the policy says."""
    if switch is None or not switch.unreadable:
        return None
    return (
        "Every action waits for a supervisor's approval until the next sync: "
        "this device's record of the centre's kill switch is damaged."
    )


def _switch_summary(switch: CentreSwitch | None) -> dict[str, Any] | None:
    if switch is None or not (switch.agent or switch.tools):
        return None
    return {"agent": switch.agent, "tools": list(switch.tools), "reason": switch.reason}


def _bundle_summary(bundle: Bundle) -> dict[str, Any]:
    manifest, policy = bundle.manifest, bundle.policy
    counts = Counter(str(rule.outcome) for rule in policy.rules)
    switches = policy.kill_switches
    return {
        "version": bundle.version,
        "issued_at": format_time(manifest.issued_at),
        "expires_at": format_time(manifest.expires_at),
        "key_id": manifest.key_id,
        "min_client_version": manifest.min_client_version,
        "files": sorted(manifest.files),
        "rules": {
            "total": len(policy.rules),
            **{str(outcome): counts[str(outcome)] for outcome in Outcome},
        },
        "roles": {
            name: sorted(role.tools) for name, role in sorted(policy.roles.items())
        },
        "kill_switches": {
            "agent": switches.agent,
            "tools": sorted(switches.tools),
            "action_types": sorted(switches.action_types),
        },
    }


def trust_summary(key_set: KeySet | None, shipped: tuple[str, ...]) -> dict[str, Any]:
    """Whose keys the device accepts: the centre's key set, or the shipped keys."""
    if key_set is None:
        return {"source": "shipped", "keys": list(shipped), "key_set_version": None}
    return {
        "source": "centre",
        "keys": [key.key_id for key in key_set.keys],
        "key_set_version": key_set.version,
        "signing_key": key_set.active,
        "revoked": list(key_set.revoked),
    }
