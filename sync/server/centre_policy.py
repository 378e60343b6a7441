"""The centre's current policy: the newest published bundle with the kill switches.

Bundles were authenticated when they were published, so serving compiles the
stored files without the signing key. Compiled policies are cached by bundle
version and the kill switches that apply.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.engine import Connection

from policies import KillSwitches, Policy, parse_time, policy_from_sources
from sync.protocol import KillSwitchState
from sync.server.revalidation import CentrePolicy
from sync.server.storage import devices, fleet
from sync.server.storage.fleet import KillSwitch

DEFAULT_REASON = "switched off by the central office"


def switch_state(
    switches: Sequence[KillSwitch], device_id: str, technician_id: str
) -> KillSwitchState:
    """What the kill switches mean for one device of ``technician_id``, as
    pull reports them."""
    agent = [s for s in switches if s.stops(device_id, technician_id)]
    tools = sorted({s.target for s in switches if s.scope == "tool"})
    reasons = [s.reason for s in (*agent, *(s for s in switches if s.scope == "tool"))]
    return KillSwitchState(
        agent=bool(agent),
        tools=tools,
        reason="; ".join(dict.fromkeys(r for r in reasons if r)),
    )


def device_switches(connection: Connection, device_id: str) -> KillSwitchState:
    """The kill switches in force for the enrolled device, read now."""
    record = devices.device(connection, device_id)
    technician = record.technician_id if record is not None else ""
    return switch_state(fleet.kill_switches_on(connection), device_id, technician)


class PolicyCache:
    """Compiles the newest bundle once per version; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[int, CentrePolicy] = {}

    def current(self, connection: Connection, device_id: str) -> CentrePolicy | None:
        """The policy the centre judges the device's actions with now."""
        version = fleet.latest_policy_version(connection)
        if version == 0:
            return None
        base = self._base(connection, version)
        state = device_switches(connection, device_id)
        if not state.agent and not state.tools:
            return base
        return replace(base, policy=with_switches(base.policy, state))

    def _base(self, connection: Connection, version: int) -> CentrePolicy:
        with self._lock:
            cached = self._compiled.get(version)
        if cached is not None:
            return cached
        stored = fleet.latest_bundle(connection)
        assert stored is not None and stored.version >= version
        compiled = compile_bundle(stored.document)
        with self._lock:
            self._compiled = {compiled.version: compiled}
        return compiled


def compile_bundle(document: str) -> CentrePolicy:
    """The policy of a stored (already authenticated) bundle document."""
    data = json.loads(document)
    manifest = data["manifest"]
    version = int(manifest["version"])
    expires = parse_time(manifest["expires_at"])
    if expires is None:
        raise ValueError(f"stored bundle {version} has no valid expiry")
    policy = policy_from_sources(dict(data["files"]), version=version)
    return CentrePolicy(policy, version, expires)


def with_switches(policy: Policy, state: KillSwitchState) -> Policy:
    """``policy`` with the centre's kill switches added to its own."""
    own = policy.kill_switches
    switches = KillSwitches(
        agent=own.agent or state.agent,
        tools=own.tools | frozenset(state.tools),
        action_types=own.action_types,
        reason=state.reason or own.reason or DEFAULT_REASON,
    )
    return replace(policy, kill_switches=switches)
