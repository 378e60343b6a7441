"""One sync with the central service, for the command line and the app alike.

Push every queued action, then pull results, policy, knowledge base, jobs and
kill switches, and apply them. No centre in reach is not a failure: the
summary says ``reached: False`` and nothing queued is lost.
"""

from __future__ import annotations

import random
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, get_args

import httpx

from edge_agent.clock import utc_now
from edge_agent.config import EdgeSettings
from edge_agent.depot.centre_connection import centre_address, given_pin
from edge_agent.depot.enrolment import Credentials, keep_pin, read_credentials
from edge_agent.depot.kb_repair import kb_problem, open_for_sync, with_repair
from edge_agent.depot.model_gate import model_identity
from edge_agent.depot.release import ReleaseFile
from edge_agent.depot.sync_state import (
    KillSwitch,
    SyncState,
    read_sync_state,
    set_aside_if_damaged,
    write_sync_state,
)
from edge_agent.depot.updates import (
    ApplyReport,
    KnowledgeBase,
    apply_pull,
    next_state,
    pull_request,
)
from edge_agent.depot.withdrawn import WithdrawnList
from edge_agent.device_outbox import device_outbox
from edge_agent.errors import EdgeAgentError, ModelUnavailable
from edge_agent.home import HomeLayout
from edge_agent.llm.default_model import default_model_path
from edge_agent.policy_store import (
    DeviceTrust,
    PolicyStore,
    app_version,
    device_trust,
    open_policy_store,
)
from sync import (
    ActionState,
    JournalOutcome,
    Outbox,
    OutcomeStatus,
    Progress,
    PullResponse,
    SyncClient,
    SyncError,
    SyncReport,
    drain,
    send_journal,
)

if sys.platform != "win32":
    import fcntl

WAITING = (ActionState.QUEUED, ActionState.AWAITING_APPROVAL, ActionState.SENT)

SHOWN_ACTIONS = 50

Summary = dict[str, Any]
"""What one sync did, as ``edge-agent sync --json`` prints it."""


def run_sync(
    settings: EdgeSettings,
    *,
    server: str | None = None,
    pin: str | None = None,
    progress: Callable[[Progress], None],
    sleep: Callable[[float], None],
    transport: httpx.BaseTransport | None = None,
) -> Summary:
    """Push every queued action, then pull and apply; return the summary.

    ``server`` overrides the ``server_url`` setting and the enrolment address.
    ``pin`` replaces the centre's certificate pinned at enrolment (after the
    depot changed it): kept once the centre's signed pull reply arrives.
    ``transport`` carries the requests instead of httpx's own (benchmarks
    count the bytes sent with it).

    Raises:
        EdgeAgentError: the device is not enrolled, another sync is running,
            the address is not http(s) or is plain http to another computer
            (without ``allow_insecure_http``), or the outbox belongs to
            another device id.
        SyncError: :class:`~sync.errors.CentreNotTrusted` when the centre's
            certificate is not the pinned one; nothing was sent.
    """
    credentials = enrolled_credentials(settings)
    url = server or settings.server_url or credentials.server_url
    address = centre_address(  # checked before anything is opened or sent
        url,
        pin=given_pin(url, pin) or credentials.centre_certificate,
        allow_insecure_http=settings.allow_insecure_http,
    )
    with one_sync_at_a_time(settings.home), ExitStack() as stack:
        outbox = stack.enter_context(device_outbox(settings))
        _check_identity(outbox, credentials)
        knowledge = open_for_sync(settings)
        stack.callback(knowledge.close)
        trust = device_trust(settings)
        policy = open_policy_store(settings)
        state_reset = set_aside_if_damaged(settings.home)
        before = read_sync_state(settings.home)
        release = ReleaseFile(settings.layout.release_file)
        model = model_identity(settings)
        http = stack.enter_context(address.client(transport))
        client = _client(http, credentials)
        report = drain(
            outbox,
            client,
            clock=utc_now,
            sleep=sleep,
            rng=random.Random(),
            pull=pull_request(
                before,
                trust=trust,
                policy=policy,
                knowledge=knowledge,
                model=model_name(settings),
                model_sha256=model.sha256 if model else "",
                release=release,
            ),
            progress=progress,
            client_version=app_version() or "",
        )
        now = utc_now().isoformat(timespec="seconds")
        applied, after = None, before.tried(now)
        if report.pull is not None:
            applied = apply_pull(
                report.pull,
                trust=trust,
                policy=policy,
                knowledge=knowledge,
                jobs_file=settings.layout.jobs_file,
                received_at=now,
                release=release,
                withdrawn=WithdrawnList(
                    settings.layout.withdrawn_file,
                    settings.layout.withdrawn_set_aside,
                ),
            )
            applied = with_repair(applied, knowledge)
            after = next_state(before, report.pull, applied, at=now)
        waiting = sum(outbox.count_by_state()[s] for s in WAITING)
        journal = None
        if report.pull is not None:
            said = (trust, policy, knowledge)
            _report_state(client, report.pull, after, waiting, *said)
            # After the actions and the updates: the journal never delays them.
            journal = send_journal(outbox, client, cursor=after.journal_cursor)
            after = replace(after, journal_cursor=journal.cursor)
        write_sync_state(settings.home, after)
        if report.pull is not None:
            keep_pin(settings.home, credentials, address.tls)
    summary = _summary(url, report, applied, before, after, waiting, journal)
    summary["kb_problem"] = kb_problem(knowledge, report.reached, applied)
    summary["sync_state_reset"] = state_reset
    return summary


def switched_back_on(before: KillSwitch, after: KillSwitch) -> dict[str, Any]:
    """What the centre's kill switch allowed again: all actions, or tools."""
    if after.agent:
        return {"agent": False, "tools": []}
    return {
        "agent": before.agent,
        "tools": [tool for tool in before.tools if tool not in after.tools],
    }


def back_on_message(summary: Summary) -> str | None:
    """``Actions are back on: ...`` when the sync lifted a kill switch."""
    back = summary.get("switched_back_on") or {}
    if back.get("agent"):
        return "Actions are back on: the centre reset its kill switch."
    if back.get("tools"):
        tools = ", ".join(back["tools"])
        return f"Back on: {tools} (the centre reset its kill switch)."
    return None


def render_summary(summary: Summary) -> str:
    """The summary of a sync as lines for the terminal."""
    problem = summary.get("kb_problem")
    kb_line = [f"Knowledge base: {problem['message']}"] if problem else []
    if not summary["reached"]:
        last = summary["last_sync_at"] or "never"
        offline = f"offline: {summary['queued']} queued, last sync at {last}"
        return "\n".join([*kb_line, offline])
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
    back_on = back_on_message(summary)
    if back_on is not None:
        lines.append(back_on)
    lines += kb_line
    if summary["stopped"]:
        lines.append(f"Stopped early: {summary['stopped']}")
    journal = summary.get("journal")
    if journal and (journal["sent"] or journal["stopped"]):
        line = f"Journal: {journal['sent']} turn(s) with their decisions sent"
        if journal["stopped"]:
            line += f"; the rest waits for the next sync ({journal['stopped']})"
        lines.append(line + ".")
    lines.append(
        f"{summary['queued']} still queued; last sync at "
        f"{summary['last_sync_at'] or 'never'}."
    )
    return "\n".join(lines)


def enrolled_credentials(settings: EdgeSettings) -> Credentials:
    """This device's credentials from enrolment.

    Raises:
        EdgeAgentError: the device is not enrolled yet; says how to enrol.
    """
    credentials = read_credentials(settings.home)
    if credentials is None:
        raise EdgeAgentError(
            "This device is not enrolled with a central service yet: run "
            "'edge-agent enroll --server URL --token TOKEN' with a token from the "
            "depot. Queued actions stay on the device until then.",
            title="Not enrolled",
        )
    return credentials


@contextmanager
def one_sync_at_a_time(home: Path) -> Iterator[None]:
    """Hold the home's sync lock, or say that another sync is running."""
    home.mkdir(parents=True, exist_ok=True)
    with open(HomeLayout(home).sync_lock, "a+b") as handle:
        if sys.platform != "win32":
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise EdgeAgentError(
                    "Another sync is running on this device; wait for it to end.",
                    title="Sync already running",
                ) from exc
        yield


def _check_identity(outbox: Outbox, credentials: Credentials) -> None:
    if outbox.device_id != credentials.device_id:
        raise EdgeAgentError(
            f"This device's outbox belongs to {outbox.device_id}, but it is enrolled "
            f"as {credentials.device_id}. Ask the depot to enrol it again keeping "
            f"the id {outbox.device_id}; the queued actions are kept.",
            title="Device id differs",
        )


def model_name(settings: EdgeSettings) -> str:
    """The name of the model file the device answers with ('' if none)."""
    if settings.model_path is not None:
        return settings.model_path.name
    try:
        return default_model_path().name
    except ModelUnavailable:
        return ""


def _report_state(
    client: SyncClient,
    pulled: PullResponse,
    after: SyncState,
    waiting: int,
    trust: DeviceTrust,
    policy: PolicyStore,
    knowledge: KnowledgeBase,
) -> None:
    """Tell the centre, in this sync, what the device now runs, what it
    refused (or that it took everything) and how many actions still wait.
    Best effort: each sync's first pull says it again."""
    request = pull_request(after, trust=trust, policy=policy, knowledge=knowledge)
    request = request.model_copy(
        update={"results_after": pulled.results_cursor, "queue_depth": waiting}
    )
    with suppress(SyncError):
        client.pull(request)


def _client(http: httpx.Client, credentials: Credentials) -> SyncClient:
    return SyncClient(
        http,
        device_id=credentials.device_id,
        secret=credentials.secret.get_secret_value(),
        clock=utc_now,
        new_nonce=lambda: uuid.uuid4().hex,
    )


def _summary(
    url: str,
    report: SyncReport,
    applied: ApplyReport | None,
    before: SyncState,
    state: SyncState,
    queued: int,
    journal: JournalOutcome | None = None,
) -> Summary:
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
        "switched_back_on": switched_back_on(before.kill_switch, state.kill_switch),
        "queued": queued,
        "last_sync_at": state.last_sync_at,
        "journal": None
        if journal is None
        else {
            "sent": journal.sent,
            "cursor": journal.cursor,
            "stopped": journal.stopped,
        },
    }
