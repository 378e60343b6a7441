"""``edge-agent policy``: show, verify, install and explain the device's policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from edge_agent.cli.state import CliState, pass_state
from edge_agent.data_ages import TONES, data_ages
from edge_agent.depot.sync_state import read_sync_state
from edge_agent.policy_store import (
    PolicyStatus,
    device_trust,
    open_policy_store,
    shipped_trusted_keys,
)
from edge_agent.policy_store.summary import status_summary, trust_summary
from policies import (
    Bundle,
    BundleRejected,
    Decision,
    InvalidRequest,
    Outcome,
    PolicyError,
    Request,
    format_time,
    fresh,
    request_for_call,
)

_WHAT_HAPPENS = {
    Outcome.ALLOW: "runs now",
    Outcome.CONFIRM: "runs once you confirm it on this device",
    Outcome.APPROVE: "is queued until a supervisor approves it",
    Outcome.DENY: "is not allowed",
}


@click.group()
def policy() -> None:
    """The signed policy that decides what the assistant may do."""


@policy.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_state
def show(state: CliState, as_json: bool) -> None:
    """Show the active policy bundle and whether actions are allowed."""
    settings = state.settings()
    status = open_policy_store(settings).status()
    summary = status_summary(status, read_sync_state(settings.home).kill_switch)
    summary["trust"] = trust_summary(
        device_trust(settings).key_set(), shipped_trusted_keys().ids
    )
    summary["data"] = data_ages(settings)
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
    else:
        click.echo(_render_summary(summary))


@policy.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def verify(state: CliState, file: Path) -> None:
    """Check a bundle FILE as install would, without installing it."""
    store = open_policy_store(state.settings())
    bundle = _checked(file, store.verify)
    click.echo(f"OK: {file.name} would be accepted. {_describe(bundle)}")


@policy.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def install(state: CliState, file: Path) -> None:
    """Verify a bundle FILE and make it the active policy."""
    store = open_policy_store(state.settings())
    bundle = _checked(file, store.install)
    click.echo(f"Installed: {_describe(bundle)}")
    click.echo(store.status().reason)


@policy.command()
@click.option("--tool", required=True, help="The tool, e.g. order_part.")
@click.option(
    "--args",
    "args_json",
    default="{}",
    show_default=True,
    help="The tool's arguments as a JSON object, e.g. '{\"quantity\": 2}'.",
)
@click.option("--role", default="technician", show_default=True, help="The role.")
@click.option("--site", help="The site the action concerns.")
@click.option("--asset", help="The asset the action concerns.")
@click.option("--job", help="The job the action belongs to.")
@click.option("--model-proposed", is_flag=True, help="The model proposed the action.")
@click.option("--confidence", type=click.FloatRange(0, 1), help="Model confidence.")
@click.option(
    "--grounded/--not-grounded", default=None, help="The grounding check result."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_state
def explain(
    state: CliState,
    tool: str,
    args_json: str,
    role: str,
    site: str | None,
    asset: str | None,
    job: str | None,
    model_proposed: bool,
    confidence: float | None,
    grounded: bool | None,
    as_json: bool,
) -> None:
    """Show what the active policy decides for one tool call, and why (as if
    the device had just synced: its data fresh, the job in its job book)."""
    settings = state.settings()
    status = open_policy_store(settings).status()
    try:
        request = request_for_call(
            status.policy,
            tool=tool,
            args=_parse_args(args_json),
            technician_id=settings.technician_id,
            role=role,
            site=site,
            asset=asset,
            job=job,
            model_proposed=model_proposed,
            model_confidence=confidence,
            grounded=grounded,
            freshness=fresh(job_in_book=True),
        )
    except InvalidRequest as exc:
        raise click.BadParameter(exc.message, param_hint="--args") from exc
    decision = status.decide(request)
    if as_json:
        document = {
            "decision": decision.as_dict(),
            "request": _request_json(request),
            "read_only": status.read_only,
            "status": status.reason,
        }
        click.echo(json.dumps(document, indent=2, sort_keys=True))
    else:
        click.echo(_render_decision(request, decision, status))


def _render_trust(trust: dict[str, Any]) -> str:
    if trust["source"] == "shipped":
        return (
            f"Trusted keys: shipped with the app ({', '.join(trust['keys'])}); "
            "enrolling with a centre replaces them with the centre's keys."
        )
    revoked = f", revoked {', '.join(trust['revoked'])}" if trust["revoked"] else ""
    return (
        f"Trusted keys: the centre's key set version {trust['key_set_version']} "
        f"(signing key {trust['signing_key']}{revoked})."
    )


def _render_data(data: dict[str, Any]) -> str:
    """The data's ages, one line each, marked amber or RED past the limits."""
    marks = [TONES[data[name]["tone"]] for name in ("job_book", "kb", "sync")]
    lines = [f"Data (amber past {data['amber_after']}, red past {data['red_after']}):"]
    for index, line in enumerate(data["lines"]):
        mark = marks[index] if index < len(marks) else ""
        lines.append(f"  {line}" + (f"  [{mark}]" if mark else ""))
    return "\n".join(lines)


def _render_summary(summary: dict[str, Any]) -> str:
    mode = (
        f"read-only ({summary['read_only_reason']})"
        if not summary["actions_allowed"]
        else "actions held for a supervisor"
        if summary.get("held")
        else "actions allowed"
    )
    lines = [f"Mode: {mode}", f"  {summary['status']}"]
    if summary.get("held"):
        lines.append(f"  {summary['held']}")
    if summary.get("data"):
        lines.append(_render_data(summary["data"]))
    if summary.get("trust"):
        lines.append(_render_trust(summary["trust"]))
    centre = summary["centre_kill_switch"]
    if centre is not None:
        stopped = ["ALL ACTIONS"] if centre["agent"] else []
        stopped += [f"tool {t}" for t in centre["tools"]]
        lines.append(
            f"  The centre switched off {', '.join(stopped)} at the last sync"
            f" ({centre['reason'] or 'no reason given'})."
        )
    bundle = summary["bundle"]
    if bundle is None:
        return "\n".join(lines)
    rules = bundle["rules"]
    counts = ", ".join(f"{rules[str(o)]} {o}" for o in Outcome)
    switches = bundle["kill_switches"]
    switched = ["ALL ACTIONS"] if switches["agent"] else []
    switched += [f"tool {t}" for t in switches["tools"]]
    switched += [f"{a} actions" for a in switches["action_types"]]
    roles = ", ".join(
        f"{name} ({len(tools)} tools)" for name, tools in bundle["roles"].items()
    )
    lines += [
        f"Policy version {bundle['version']}",
        f"  key id      {bundle['key_id']}",
        f"  issued      {bundle['issued_at']}",
        f"  expires     {bundle['expires_at']}",
        f"  min client  {bundle['min_client_version']}",
        f"  files       {', '.join(bundle['files'])}",
        f"  rules       {rules['total']} ({counts})",
        f"  roles       {roles}",
        f"  switched off {', '.join(switched) or 'nothing'}",
        f"Device time: {summary['device_time']}",
    ]
    return "\n".join(lines)


def _render_decision(request: Request, decision: Decision, status: PolicyStatus) -> str:
    lines = [
        f"{str(decision.outcome).upper()}: {request.tool} ({request.action_type}) for "
        f"the {request.role} role {_WHAT_HAPPENS[decision.outcome]} "
        f"(policy version {decision.bundle_version}).",
    ]
    lines += [
        f"  - {reason} [{rule}]"
        for reason, rule in zip(decision.reasons, decision.matched_rules, strict=True)
    ]
    if not status.actions_allowed:
        lines.append(status.reason)
    return "\n".join(lines)


def _request_json(request: Request) -> dict[str, Any]:
    return {
        "technician_id": request.technician_id,
        "role": request.role,
        "tool": request.tool,
        "action_type": request.action_type,
        "args": dict(request.args),
        "site": request.site,
        "asset": request.asset,
        "job": request.job,
        "model_proposed": request.model_proposed,
        "model_confidence": request.model_confidence,
        "grounded": request.grounded,
        "amount": request.amount,
        "quantity": request.quantity,
    }


def _parse_args(text: str) -> dict[str, Any]:
    try:
        args = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"not valid JSON ({exc})", param_hint="--args"
        ) from exc
    if not isinstance(args, dict):
        raise click.BadParameter("expected a JSON object", param_hint="--args")
    return args


def _checked(file: Path, check: Callable[[bytes], Bundle]) -> Bundle:
    """Run ``check`` (verify or install) on the file's bytes, naming it on failure."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise PolicyError(f"Cannot read {file} ({exc.strerror}).") from exc
    try:
        return check(data)
    except BundleRejected as exc:
        raise BundleRejected(
            exc.reason, f"{file.name} was rejected ({exc.reason}): {exc.message}"
        ) from exc


def _describe(bundle: Bundle) -> str:
    manifest = bundle.manifest
    return (
        f"Policy version {bundle.version}, key {manifest.key_id}, "
        f"{len(bundle.policy.rules)} rules, valid until "
        f"{format_time(manifest.expires_at)}."
    )
