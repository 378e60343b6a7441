"""How devices and kill switches read in the terminal and as JSON."""

from __future__ import annotations

from typing import Any

from sync.server.fleet_state import DeviceState
from sync.server.records import Handover
from sync.server.storage.fleet import KillSwitch


def device_json(device: DeviceState) -> dict[str, Any]:
    d = device.record
    return {
        "device_id": d.device_id,
        "name": d.name,
        "technician_id": d.technician_id,
        "role": d.role,
        "state": device.state,
        "enrolled_at": d.enrolled_at.isoformat(),
        "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
        "revoked": d.revoked,
        "revoked_reason": d.revoked_reason,
        "chain_seq": d.chain_seq,
        "policy_version": d.policy_version,
        "kb_version": d.kb_version,
        "jobs_version": d.jobs_version,
        "app_version": d.client_version,
        "model": d.model,
        "model_sha256": d.model_sha256,
        "release_id": d.release_id or None,
        "release_since": d.release_since.isoformat() if d.release_since else None,
        "key_set_version": d.key_set_version,
        "refused_updates": list(d.refused_updates),
        "queue_depth": d.queue_depth,
        "actions": dict(device.actions),
        "kill_switches": [switch_json(s) for s in device.switches],
        "handovers": [handover_json(h) for h in device.handovers],
    }


def handover_json(handover: Handover) -> dict[str, Any]:
    return {
        "revoked_at": handover.revoked_at.isoformat(),
        "revoked_reason": handover.revoked_reason,
        "allowed_at": handover.allowed_at.isoformat(),
        "allowed_by": handover.allowed_by,
        "enrolled_at": (
            handover.enrolled_at.isoformat() if handover.enrolled_at else None
        ),
        "technician_id": handover.technician_id,
    }


def handover_line(handover: Handover) -> str:
    """One hand-over: the revocation it answered, who allowed it, its use."""
    why = f" ({handover.revoked_reason})" if handover.revoked_reason else ""
    used = (
        f"enrolled again {_moment(handover.enrolled_at)} for technician "
        f"{handover.technician_id}"
        if handover.enrolled_at
        else "token not used yet"
    )
    return (
        f"revoked {_moment(handover.revoked_at)}{why}; hand-over allowed by "
        f"{handover.allowed_by} {_moment(handover.allowed_at)}; {used}"
    )


def device_line(device: DeviceState) -> str:
    d = device.record
    state = device.state.upper() if device.state != "active" else "active"
    return (
        f"{d.device_id}  {d.name!r}  {d.technician_id} ({d.role})  {state}  "
        f"policy v{d.policy_version}  KB v{d.kb_version}  {_release(d.release_id)}  "
        f"queue {d.queue_depth}  last seen {_moment(d.last_seen_at)}"
        + (f"  {len(d.refused_updates)} UPDATE(S) REFUSED" if d.refused_updates else "")
    )


def render_device(device: DeviceState) -> str:
    """A device's page: who, versions, actions by status, switches."""
    d = device.record
    actions = ", ".join(f"{n} {status}" for status, n in sorted(device.actions.items()))
    lines = [
        f"Device {d.device_id} {d.name!r}: {device.state}",
        f"  technician {d.technician_id} ({d.role}), enrolled {_moment(d.enrolled_at)}",
        f"  last seen {_moment(d.last_seen_at)}; chain verified to #{d.chain_seq}; "
        f"{d.queue_depth} action(s) waiting on it at its last sync",
        f"  in use: policy v{d.policy_version}, KB v{d.kb_version}, "
        f"jobs v{d.jobs_version}, app {d.client_version or 'unknown'}, "
        f"model {d.model or 'unknown'}, "
        f"centre key set v{d.key_set_version}",
        f"  {_release(d.release_id)}"
        + (f" since {_moment(d.release_since)}" if d.release_id else "")
        + (f"; model sha256 {d.model_sha256}" if d.model_sha256 else ""),
        f"  actions at the centre: {actions or 'none'}",
    ]
    lines.extend(f"  refused at its last sync: {why}" for why in d.refused_updates)
    if d.revoked:
        lines.append(f"  revoked {_moment(d.revoked_at)}: {d.revoked_reason}")
    lines.extend(f"  hand-over: {handover_line(h)}" for h in device.handovers)
    lines.extend(f"  kill switch: {switch_line(s)}" for s in device.switches)
    return "\n".join(lines)


def switch_json(switch: KillSwitch) -> dict[str, Any]:
    return {
        "scope": switch.scope,
        "target": switch.target,
        "reason": switch.reason,
        "updated_at": switch.updated_at.isoformat(),
        "updated_by": switch.updated_by,
    }


def switch_line(switch: KillSwitch) -> str:
    what = {
        "fleet": "the whole fleet",
        "device": "device",
        "technician": "every device of technician",
        "tool": "tool",
    }
    target = f" {switch.target}" if switch.target else ""
    return (
        f"{what[switch.scope]}{target}: {switch.reason} "
        f"(by {switch.updated_by}, {_moment(switch.updated_at)})"
    )


def _moment(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "never"


def _release(release_id: int) -> str:
    return f"release {release_id}" if release_id else "no release"


def reach_text(scope: str, target: str, devices: int, *, enabled: bool) -> str:
    """What a switch stops (or lets go again), at the devices' next sync."""
    count = f"{devices} device{'' if devices == 1 else 's'}"
    if scope == "tool":
        if enabled:
            return f"{count} will refuse the tool {target} at their next sync."
        return f"{count} may use the tool {target} again from their next sync."
    if enabled:
        return f"{count} will refuse new actions at their next sync."
    return f"{count} may act again from their next sync (unless another switch holds)."
