"""Reading what the status bar shows, from the device's stores."""

from __future__ import annotations

from collections.abc import Callable

from edge_agent.config import EdgeSettings
from edge_agent.depot.enrolment import read_credentials
from edge_agent.depot.sync_state import read_sync_state
from edge_agent.policy_store.summary import status_summary
from edge_agent.tui.status import StatusSnapshot
from edge_agent.tui.tasks.stores import session
from sync import ActionState

WAITING = (ActionState.QUEUED, ActionState.AWAITING_APPROVAL, ActionState.SENT)
"""States of actions still on their way to the centre: the queue's depth."""


def read_status(
    settings: EdgeSettings, reachable: Callable[[str], bool]
) -> StatusSnapshot:
    """The device's state now; ``reachable`` probes the centre, if enrolled."""
    sync_state = read_sync_state(settings.home)
    credentials = read_credentials(settings.home)
    server = settings.server_url or (credentials.server_url if credentials else None)
    with session(settings) as opened:
        stats = opened.store.stats()
        counts = opened.outbox.count_by_state()
        data = opened.data_sources()
        policy = status_summary(opened.policy, sync_state.kill_switch)
    bundle = policy["bundle"]
    read_only = None if policy["actions_allowed"] else str(policy["status"])
    return StatusSnapshot(
        online=bool(credentials and server and reachable(server)),
        enrolled=credentials is not None,
        server_url=server,
        queued=sum(counts.get(state, 0) for state in WAITING),
        last_sync_at=sync_state.last_sync_at,
        policy_version=None if bundle is None else int(bundle["version"]),
        policy_expires=None if bundle is None else str(bundle["expires_at"]),
        read_only=read_only,
        kb_name=stats.name,
        kb_version=stats.version,
        kb_documents=stats.documents,
        refused=sync_state.refused,
        data=data,
        data_age_limits=settings.data_age_limits,
        held=policy["held"],
    )
