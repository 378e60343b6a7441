"""The policy in force, summarised for ``edge-agent policy show`` and the app."""

from __future__ import annotations

from collections import Counter
from typing import Any

from edge_agent.policy_store.status import PolicyStatus
from policies import Bundle, Outcome, format_time


def status_summary(status: PolicyStatus) -> dict[str, Any]:
    """What ``policy show`` reports, as a JSON-ready mapping."""
    summary: dict[str, Any] = {
        "actions_allowed": status.actions_allowed,
        "read_only_reason": status.read_only,
        "status": status.reason,
        "device_time": format_time(status.now),
        "bundle": None,
    }
    if status.bundle is not None:
        summary["bundle"] = _bundle_summary(status.bundle)
    return summary


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
