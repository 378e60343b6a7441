"""How releases read in the terminal and as JSON."""

from __future__ import annotations

from typing import Any

from sync.server.releases import ReleaseCount, ReleaseHistory, ReleaseState, Rollback
from sync.server.releases.gating import Override
from sync.server.storage.evaluation_reports import GateRecord
from sync.server.storage.releases import Release
from sync.server.time_words import duration as duration
from sync.server.time_words import moment as moment

SHORT_HASH = 12
"""Hex digits of a hash the terminal shows (JSON has them all)."""


def release_json(release: Release) -> dict[str, Any]:
    return {
        "release_id": release.release_id,
        "name": release.name,
        "model": {"name": release.model_name, "sha256": release.model_sha256},
        "policy_version": release.policy_version,
        "policy_sha256": release.policy_sha256,
        "kb_version": release.kb_version,
        "kb_sha256": release.kb_sha256,
        "app_version": release.app_version,
        "created_at": release.created_at.isoformat(),
        "created_by": release.created_by,
        "rollback_of": release.rollback_of,
        "restores": release.restores,
        "reason": release.reason,
    }


def history_json(history: ReleaseHistory) -> dict[str, Any]:
    return {
        "releases": [
            {
                **release_json(c.release),
                "devices": c.devices,
                "gate": gate_json(history.gates.get(c.release.release_id)),
            }
            for c in history.releases
        ],
        "devices_without_release": [d.device_id for d in history.without_release],
        "override_in_force": override_json(history.override),
    }


def history_lines(history: ReleaseHistory) -> list[str]:
    """One line per release, newest first; then the devices that run none."""
    lines = [override_line(history.override)] if history.override else []
    for count in history.releases:
        line = release_line(count)
        record = history.gates.get(count.release.release_id)
        if record is not None and record.overridden:
            line += f"  gate overridden: {record.reason}"
        lines.append(line)
    if history.without_release:
        ids = ", ".join(d.device_id for d in history.without_release)
        lines.append(
            f"running no release: {len(history.without_release)} device(s) ({ids})"
        )
    return lines


def release_line(count: ReleaseCount) -> str:
    r = count.release
    line = (
        f"{r.release_id:>4}  {r.name}  {moment(r.created_at)} by {r.created_by}  "
        f"{parts_text(r)}  {count.devices} device(s)"
    )
    if r.restores is not None:
        line += f"  rollback: {r.reason}"
    return line


def parts_text(release: Release) -> str:
    return (
        f"model {release.model_name} ({release.model_sha256[:SHORT_HASH]})  "
        f"policy v{release.policy_version}  KB v{release.kb_version}  "
        f"app {release.app_version}"
    )


def state_json(state: ReleaseState) -> dict[str, Any]:
    convergence = state.convergence
    last = state.last_converged_at
    return {
        **release_json(state.release),
        "gate": gate_json(state.gate),
        "override_in_force": override_json(state.override),
        "newest": state.newest,
        "devices": [
            {
                "device_id": d.device_id,
                "name": d.name,
                "technician_id": d.technician_id,
                "since": d.release_since.isoformat() if d.release_since else None,
            }
            for d in state.running
        ],
        "active_devices": state.active,
        "converged": state.converged,
        "last_converged_at": last.isoformat() if last else None,
        "convergence_seconds": None
        if convergence is None
        else convergence.total_seconds(),
    }


def render_state(state: ReleaseState) -> str:
    """A release's page: its parts, what it rolled back, who runs it."""
    r = state.release
    newest = " (newest)" if state.newest else ""
    lines = [
        f"Release {r.release_id} {r.name}{newest}: made {moment(r.created_at)} "
        f"by {r.created_by}",
    ]
    if state.restored is not None and state.rolled_back is not None:
        lines.append(
            f"  rollback of {state.rolled_back.name} to {state.restored.name}: "
            f"{r.reason}"
        )
    lines.append(f"  gate: {gate_text(state)}")
    if state.override is not None:
        lines.append(f"  {override_line(state.override)}")
    lines += [
        f"  model {r.model_name} sha256 {r.model_sha256}",
        f"  policy v{r.policy_version} (content sha256 {r.policy_sha256[:SHORT_HASH]})",
        f"  KB v{r.kb_version} (content sha256 {r.kb_sha256[:SHORT_HASH]})",
        f"  app {r.app_version}",
        f"  {_convergence_text(state)}",
    ]
    lines += [
        f"    {d.device_id} {d.name!r} {d.technician_id} "
        f"since {moment(d.release_since)}"
        for d in state.running
    ]
    return "\n".join(lines)


def gate_text(state: ReleaseState) -> str:
    """How the release passed the gate."""
    record = state.gate
    if record is None:
        if state.release.restores is not None:
            return "not gated (a rollback publishes again content that shipped)"
        return "none recorded (made before the gate)"
    if not record.overridden:
        return f"passed with evaluation report {record.report_id}"
    return (
        f"OVERRIDDEN by {record.actor} at {moment(record.at)}: {record.reason} "
        f"(failed: {'; '.join(record.failures)})"
    )


def override_line(override: Override) -> str:
    """The override in force, as every later listing shows it."""
    record = override.record
    return (
        f"override in force since {moment(record.at)}: release "
        f"{override.release.name} was published over the gate by {record.actor} "
        f"({record.reason})"
    )


def gate_json(record: GateRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "report_id": record.report_id,
        "overridden": record.overridden,
        "reason": record.reason,
        "failures": list(record.failures),
        "thresholds": dict(record.gate),
        "at": record.at.isoformat(),
        "actor": record.actor,
    }


def override_json(override: Override | None) -> dict[str, Any] | None:
    if override is None:
        return None
    return {
        "release_id": override.release.release_id,
        "name": override.release.name,
        **(gate_json(override.record) or {}),
    }


def rollback_text(rollback: Rollback) -> str:
    r = rollback.release
    again = [
        f"policy as v{r.policy_version}" if rollback.policy_republished else "",
        f"KB as v{r.kb_version}" if rollback.kb_republished else "",
    ]
    published = " and ".join(p for p in again if p) or "nothing (the newest had it)"
    return (
        f"Release {r.release_id} {r.name} rolls back {rollback.rolled_back.name} to "
        f"{rollback.restored.name}: published again {published}. Devices take it "
        "at their next sync; 'edge-governance release show' follows them."
    )


def _convergence_text(state: ReleaseState) -> str:
    running = len(state.running)
    if not state.newest:
        return f"{running} device(s) run it (a newer release exists)"
    convergence = state.convergence
    if convergence is not None:
        return (
            f"{running} of {state.active} device(s) run it: all converged, the "
            f"last {duration(convergence)} after the release"
        )
    return f"{running} of {state.active} device(s) converged so far"
