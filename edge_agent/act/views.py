"""How actions, decisions and traces read in the terminal and as JSON."""

from __future__ import annotations

from typing import Any

from edge_agent.act.argument_origins import ArgumentOrigin
from edge_agent.act.data_age import FRESHNESS_KEY, describe_freshness
from edge_agent.act.decided import Decided
from policies import DOCUMENT, MODEL, PHOTO, TYPED, format_time
from sync import QueuedAction, TraceRecord, Transition


def describe_args(args: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in args.items())


PROPOSERS = {
    "model": "the model",
    "rules": "rules reading your words (no model)",
    "technician": "you, by hand",
}


def origin_text(origin: ArgumentOrigin) -> str:
    """Where an argument the technician did not type came from, in words."""
    if origin.origin == PHOTO:
        return "read from a photo"
    if origin.origin == DOCUMENT:
        return f"quoted from {origin.ref}" if origin.ref else "quoted from a document"
    if origin.origin == MODEL:
        return "written by the model"
    return f"from {origin.origin}"


def render_decided(decided: Decided) -> str:
    """The proposal, exactly as it would be queued, and the policy's decision;
    each argument the model chose, or that the technician did not type, is
    marked."""
    proposal = decided.proposal
    chosen = {
        name
        for name, source in decided.argument_sources.items()
        if source == "model" and proposal.proposed_by == "model"
    }
    lines = [
        f"Action: {proposal.tool} ({decided.action_type}), proposed by "
        f"{PROPOSERS.get(proposal.proposed_by, proposal.proposed_by)}",
        *(
            f"  {name}: {value}" + _marks(name in chosen, decided, name)
            for name, value in proposal.args.items()
        ),
        f"Payload hash: {proposal.payload_hash}",
        f"Decision: {str(decided.decision.outcome).upper()} "
        f"(policy version {decided.decision.bundle_version})",
        *(f"  - {reason}" for reason in decided.decision.reasons),
        f"Data: {data_age_text(decided.freshness)}",
    ]
    if decided.decision.needs_interactive_confirmation:
        lines.append(AT_A_PROMPT)
    return "\n".join(lines)


def data_age_text(record: object) -> str:
    """How old the data a decision rests on was, on one line: "job book v7
    from 3 days ago; KB v4 from 12 days ago; last sync 5 hours ago"."""
    return "; ".join(describe_freshness(record))


AT_A_PROMPT = "Confirm it at a prompt that shows it: --yes cannot confirm it."


def _marks(chosen: bool, decided: Decided, name: str) -> str:
    marks = ["model"] if chosen else []
    origin = decided.argument_origins.get(name)
    said = (
        origin is None or origin.origin == TYPED or (chosen and origin.origin == MODEL)
    )
    if origin is not None and not said:
        marks.append(origin_text(origin))
    return f"  ({'; '.join(marks)})" if marks else ""


def action_to_json(action: QueuedAction) -> dict[str, Any]:
    return {
        "key": action.key,
        "seq": action.seq,
        "tool": action.tool,
        "action_type": action.action_type,
        "state": action.state.value,
        "state_reason": action.state_reason,
        "payload": dict(action.payload),
        "payload_hash": action.payload_hash,
        "decision": dict(action.decision),
        "confirmation": dict(action.confirmation) if action.confirmation else None,
        "evidence": dict(action.evidence),
        "trace_id": action.trace_id,
        "created_at": format_time(action.created_at),
        "updated_at": format_time(action.updated_at),
    }


def render_action_line(action: QueuedAction) -> str:
    args = action.payload.get("args", {})
    summary = describe_args(dict(args)) if isinstance(args, dict) else ""
    reason = f"  ({action.state_reason})" if action.state_reason else ""
    return (
        f"{action.seq:>4}  {action.key[:12]}  {action.state.value:<17} "
        f"{action.tool:<22} {summary[:60]}{reason}"
    )


def render_action(action: QueuedAction, history: list[Transition]) -> str:
    decision = action.decision
    lines = [
        f"Action {action.seq} ({action.key})",
        f"  state:     {action.state.value}"
        + (f" ({action.state_reason})" if action.state_reason else ""),
        f"  tool:      {action.tool} ({action.action_type})",
        f"  payload:   {dict(action.payload)}",
        f"  decision:  {decision.get('outcome')} under policy version "
        f"{decision.get('bundle_version')}",
        *(f"    - {reason}" for reason in decision.get("reasons", [])),
    ]
    if action.confirmation:
        lines.append(
            f"  confirmed: by {action.confirmation.get('technician_id')} at "
            f"{action.confirmation.get('confirmed_at')}"
            + (", at a prompt" if action.confirmation.get("interactive") else "")
        )
    lines.append(f"  data:      {data_age_text(action.evidence.get(FRESHNESS_KEY))}")
    lines.append(f"  evidence:  {dict(action.evidence)}")
    lines.append(f"  trace:     {action.trace_id}")
    lines.append("  history:")
    lines.extend(
        f"    {format_time(t.at)}  {t.from_state or '-'} -> {t.to_state}  "
        f"by {t.actor}" + (f": {t.reason}" if t.reason else "")
        for t in history
    )
    return "\n".join(lines)


def render_trace(trace: TraceRecord) -> str:
    lines = [f"Trace {trace.trace_id} ({trace.name})"]
    by_id = {span["span_id"]: span for span in trace.spans}
    for span in trace.spans:
        depth = 0
        parent = span.get("parent_id")
        while parent in by_id and depth < 10:
            depth += 1
            parent = by_id[parent].get("parent_id")
        duration = (int(span["end_ns"]) - int(span["start_ns"])) / 1e6
        error = f"  ERROR {span['error']}" if span.get("error") else ""
        lines.append(f"{'  ' * depth}{span['name']}  {duration:.1f} ms{error}")
        lines.extend(
            f"{'  ' * depth}    {key} = {value}"
            for key, value in dict(span.get("attributes", {})).items()
        )
    return "\n".join(lines)
