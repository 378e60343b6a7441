"""``edge-agent enroll`` and ``edge-agent sync``: talk to the central service.

``sync`` pushes every queued action, then pulls results, policy, knowledge
base, jobs and kill switches, and applies them. No centre reachable is not a
failure: it prints ``offline: N queued, last sync at T`` and exits 0. A device
the centre does not accept exits 1 with what to do.
"""

from __future__ import annotations

import json
import random
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import click
import httpx

from edge_agent.cli.state import CliState, pass_state
from edge_agent.config import EdgeSettings
from edge_agent.device import device_id
from edge_agent.enrollment import Credentials, enroll_device, read_credentials
from edge_agent.errors import EdgeAgentError
from edge_agent.knowledge import open_knowledge
from edge_agent.policy_store import app_version, open_policy_store
from edge_agent.sync_apply import ApplyReport, apply_pull, next_state, pull_request
from edge_agent.sync_state import SyncState, read_sync_state, write_sync_state
from sync import ActionState, Outbox
from sync.client import SyncClient
from sync.runner import drain
from sync.runner_models import OutcomeStatus, Progress, SyncReport

if sys.platform != "win32":
    import fcntl

LOCK_FILE = "sync.lock"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
SHOWN_ACTIONS = 50
WAITING = (ActionState.QUEUED, ActionState.AWAITING_APPROVAL, ActionState.SENT)


def utc_now() -> datetime:
    return datetime.now(UTC)


@click.command()
@click.option("--server", required=True, help="The central service's address.")
@click.option("--token", required=True, help="The single-use token from the depot.")
@click.option("--name", "device_name", help="Device name (default: computer name).")
@pass_state
def enroll(state: CliState, server: str, token: str, device_name: str | None) -> None:
    """Enrol this device with the central service, once, with a depot token."""
    settings = state.settings()
    with _http(server) as http:
        credentials = enroll_device(
            settings,
            http,
            token=token,
            device_name=device_name or socket.gethostname() or "edge device",
            clock=utc_now,
        )
    click.echo(
        f"Enrolled as device {credentials.device_id} with {credentials.server_url}. "
        "The credentials are stored in the home folder, readable only by you."
    )


@click.command("sync")
@click.option("--server", help="The central service's address (default: enrolment).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_state
def sync_command(state: CliState, server: str | None, as_json: bool) -> None:
    """Send queued actions to the centre, then fetch results, policy, KB and jobs."""
    settings = state.settings()
    credentials = _credentials(settings)
    url = server or _configured_server(settings) or credentials.server_url
    echo = _ignore if as_json else _echo_progress
    with _one_sync_at_a_time(settings.home), ExitStack() as stack:
        outbox = stack.enter_context(
            Outbox.open(settings.outbox_db, device_id=device_id(settings.home))
        )
        _check_identity(outbox, credentials)
        knowledge = stack.enter_context(open_knowledge(settings))
        policy = open_policy_store(settings)
        before = read_sync_state(settings.home)
        http = stack.enter_context(_http(url))
        report = drain(
            outbox,
            _client(http, credentials),
            clock=utc_now,
            sleep=time.sleep,
            rng=random.Random(),
            pull=pull_request(before, policy=policy, knowledge=knowledge),
            progress=echo,
            client_version=app_version() or "",
        )
        now = utc_now().isoformat(timespec="seconds")
        applied, after = None, before.tried(now)
        if report.pull is not None:
            applied = apply_pull(
                report.pull,
                policy=policy,
                knowledge=knowledge,
                jobs_file=settings.jobs_file,
                received_at=now,
            )
            after = next_state(before, report.pull, applied, at=now)
        write_sync_state(settings.home, after)
        waiting = sum(outbox.count_by_state()[s] for s in WAITING)
    summary = _summary(url, report, applied, after, waiting)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(render_summary(summary))


def render_summary(summary: dict[str, Any]) -> str:
    """The summary of a sync as lines for the terminal."""
    if not summary["reached"]:
        last = summary["last_sync_at"] or "never"
        return f"offline: {summary['queued']} queued, last sync at {last}"
    counts = summary["counts"]
    lines = [
        f"Sent {summary['sent']} action(s): "
        + ", ".join(f"{counts[s]} {s}" for s in counts)
        + "."
    ]
    actions = summary["actions"]
    for outcome in actions[:SHOWN_ACTIONS]:
        line = f"  {outcome['seq']:>4} {outcome['tool']}: {outcome['status']}"
        lines.append(f"{line} ({outcome['reason']})" if outcome["reason"] else line)
    if len(actions) > SHOWN_ACTIONS:
        lines.append(
            f"  ... and {len(actions) - SHOWN_ACTIONS} more: edge-agent actions list"
        )
    lines += [f"{part['part']}: {part['message']}" for part in summary["parts"]]
    switch = summary["kill_switch"]
    if switch["agent"] or switch["tools"]:
        what = "all actions" if switch["agent"] else ", ".join(switch["tools"])
        lines.append(f"Switched off by the centre: {what}. {switch['reason']}".strip())
    if summary["stopped"]:
        lines.append(f"Stopped early: {summary['stopped']}")
    lines.append(
        f"{summary['queued']} still queued; last sync at "
        f"{summary['last_sync_at'] or 'never'}."
    )
    return "\n".join(lines)


def _summary(
    url: str,
    report: SyncReport,
    applied: ApplyReport | None,
    state: SyncState,
    queued: int,
) -> dict[str, Any]:
    statuses: tuple[OutcomeStatus, ...] = get_args(OutcomeStatus)
    return {
        "server": url,
        "reached": report.reached,
        "stopped": report.stopped,
        "sent": report.sent,
        "counts": {status: report.count(status) for status in statuses},
        "actions": [asdict(outcome) for outcome in report.outcomes],
        "parts": [] if applied is None else [asdict(p) for p in applied.parts],
        "kill_switch": {
            "agent": state.kill_switch.agent,
            "tools": list(state.kill_switch.tools),
            "reason": state.kill_switch.reason,
        },
        "queued": queued,
        "last_sync_at": state.last_sync_at,
    }


def _credentials(settings: EdgeSettings) -> Credentials:
    credentials = read_credentials(settings.home)
    if credentials is None:
        raise EdgeAgentError(
            "This device is not enrolled with a central service yet: run "
            "'edge-agent enroll --server URL --token TOKEN' with a token from the "
            "depot. Queued actions stay on the device until then.",
            title="Not enrolled",
        )
    return credentials


def _configured_server(settings: EdgeSettings) -> str | None:
    """The ``server_url`` setting, if one is set."""
    return settings.server_url or None


def _check_identity(outbox: Outbox, credentials: Credentials) -> None:
    if outbox.device_id != credentials.device_id:
        raise EdgeAgentError(
            f"This device's outbox belongs to {outbox.device_id}, but it is enrolled "
            f"as {credentials.device_id}. Ask the depot to enrol it again keeping "
            f"the id {outbox.device_id}; the queued actions are kept.",
            title="Device id differs",
        )


def _client(http: httpx.Client, credentials: Credentials) -> SyncClient:
    return SyncClient(
        http,
        device_id=credentials.device_id,
        secret=credentials.secret.get_secret_value(),
        clock=utc_now,
        new_nonce=lambda: uuid.uuid4().hex,
    )


def _http(url: str) -> httpx.Client:
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(
            f"{url!r} is not an http:// or https:// address", param_hint="--server"
        )
    return httpx.Client(base_url=url, timeout=TIMEOUT)


@contextmanager
def _one_sync_at_a_time(home: Path) -> Iterator[None]:
    """Hold the home's sync lock, or say that another sync is running."""
    with open(home / LOCK_FILE, "a+b") as handle:
        if sys.platform != "win32":
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise EdgeAgentError(
                    "Another sync is running on this device; wait for it to end.",
                    title="Sync already running",
                ) from exc
        yield


def _echo_progress(progress: Progress) -> None:
    count = f" ({progress.sent}/{progress.total})" if progress.total else ""
    click.echo(f"... {progress.message}{count}")


def _ignore(progress: Progress) -> None:
    """No progress lines when the output is JSON."""
