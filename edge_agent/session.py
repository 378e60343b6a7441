"""Everything one device session uses, opened together and closed together.

The CLI commands and the terminal app both work through a :class:`Session`:
the knowledge base, the job list, the policy in force, the outbox and the
action service, built from the settings.
"""

from __future__ import annotations

from contextlib import ExitStack

from edge_agent.act.service import ActionService, Technician
from edge_agent.clock import utc_now
from edge_agent.config import EdgeSettings
from edge_agent.depot.sync_state import read_sync_state
from edge_agent.device_outbox import device_outbox
from edge_agent.jobs import JobBook, read_job_book
from edge_agent.knowledge import open_knowledge
from edge_agent.policy_store import PolicyStatus, open_policy_store
from edge_agent.tracing import TurnTracer
from knowledge_cache import KnowledgeStore
from sync import Outbox


class Session:
    """The device's stores for one run of a command or the app."""

    def __init__(self, settings: EdgeSettings) -> None:
        self.settings = settings
        self._stack = ExitStack()
        try:
            self.store: KnowledgeStore = self._stack.enter_context(
                open_knowledge(settings)
            )
            self.outbox: Outbox = self._stack.enter_context(device_outbox(settings))
            self.jobs: JobBook = read_job_book(settings.layout.jobs_file)
            self.policy: PolicyStatus = open_policy_store(settings).status()
        except BaseException:
            self._stack.close()
            raise
        self.technician = Technician(settings.technician_id, settings.role)
        self.actions = ActionService(
            store=self.store,
            jobs=self.jobs,
            policy=self.policy,
            outbox=self.outbox,
            technician=self.technician,
            clock=utc_now,
            kill_switch=read_sync_state(settings.home).kill_switch,
        )

    def tracer(self, name: str) -> TurnTracer:
        """A tracer for one turn, redacting what the policy says to redact."""
        policy = self.policy.policy
        return TurnTracer(name, redact=sorted(policy.redact_fields) if policy else ())

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
