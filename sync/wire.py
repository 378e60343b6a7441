"""Outbox records as wire models, and a run's pull replies as one.

Chain fields go byte for byte as the outbox stored them, so the centre can
recompute every link (:mod:`sync.chain`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from sync.outbox.models import PendingAction, QueuedAction
from sync.outbox.rows import format_time
from sync.outbox.states import ActionState
from sync.protocol import (
    MAX_BATCH_BYTES,
    PullRequest,
    PullResponse,
    PushRequest,
    WireAction,
    WireLink,
)

LinkState = Literal["proposed", "denied", "cancelled"]
_LINK_STATES: dict[ActionState, LinkState] = {
    ActionState.PROPOSED: "proposed",
    ActionState.DENIED: "denied",
    ActionState.CANCELLED: "cancelled",
}


def wire_action(item: PendingAction) -> WireAction:
    """A pending action as the protocol sends it, chain fields byte for byte."""
    action = item.action
    return WireAction(
        key=action.key,
        seq=action.seq,
        tool=action.tool,
        action_type=action.action_type,
        payload=dict(action.payload),
        payload_hash=action.payload_hash,
        state="awaiting_approval"
        if action.state is ActionState.AWAITING_APPROVAL
        else "queued",
        decision=dict(action.decision),
        confirmation=None if action.confirmation is None else dict(action.confirmation),
        evidence=dict(action.evidence),
        trace_id=action.trace_id,
        created_at=format_time(action.created_at),
        prev_hash=action.prev_hash,
        row_hash=action.row_hash,
    )


def wire_link(action: QueuedAction) -> WireLink:
    """The chain link of an action that is not pushed (proposed, denied, cancelled)."""
    state = _LINK_STATES.get(action.state)
    if state is None:
        raise ValueError(f"action {action.key} is {action.state}; it is pushed")
    return WireLink(
        seq=action.seq,
        prev_hash=action.prev_hash,
        row_hash=action.row_hash,
        state=state,
    )


def next_pull(request: PullRequest, response: PullResponse) -> PullRequest:
    """The follow-up pull: results after the new cursor, nothing sent again."""
    return request.model_copy(
        update={
            "results_after": response.results_cursor,
            "policy_version": max(
                request.policy_version, _bundle_version(response.policy_bundle)
            ),
            "kb_version": max(
                request.kb_version, response.kb.version if response.kb else 0
            ),
            "jobs_version": max(request.jobs_version, response.jobs_version),
            "key_set_version": max(
                [request.key_set_version, *map(_key_set_version, response.key_sets)]
            ),
            "release_id": _release_id(request.release_id, response),
        }
    )


def _release_id(held: int | None, response: PullResponse) -> int | None:
    """The release manifest to ask above (``None`` stays: no manifests)."""
    if held is None or response.release is None:
        return held
    return max(held, response.release.release_id)


def _key_set_version(text: str) -> int:
    """The version a key set document states (unverified: only to ask for less)."""
    try:
        version = json.loads(text)["key_set"]["version"]
    except (ValueError, TypeError, KeyError):
        return 0
    return version if isinstance(version, int) else 0


def _bundle_version(text: str | None) -> int:
    """The version a bundle's manifest states (unverified: only to ask for less)."""
    if text is None:
        return 0
    try:
        version = json.loads(text)["manifest"]["version"]
    except (ValueError, TypeError, KeyError):
        return 0
    return version if isinstance(version, int) else 0


def merged_pulls(pages: Sequence[PullResponse]) -> PullResponse:
    """One reply for the app: every result, the newest of everything else."""
    last = pages[-1]
    first_with = {
        "policy_bundle": next(
            (p.policy_bundle for p in pages if p.policy_bundle), None
        ),
        "kb": next((p.kb for p in pages if p.kb), None),
        "jobs": next((p.jobs for p in pages if p.jobs is not None), None),
        "key_sets": next((p.key_sets for p in pages if p.key_sets), []),
        "release": next((p.release for p in pages if p.release), None),
        "skipped": pages[0].skipped,
    }
    jobs_page = next((p for p in pages if p.jobs is not None), last)
    return last.model_copy(
        update={
            **first_with,
            "results": [result for page in pages for result in page.results],
            "more_results": False,
            "jobs_version": jobs_page.jobs_version,
        }
    )


def too_big(request: PushRequest) -> bool:
    return len(request.model_dump_json().encode("utf-8")) > MAX_BATCH_BYTES
