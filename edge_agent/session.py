"""Everything one device session uses, opened together and closed together.

The CLI commands and the terminal app both work through a :class:`Session`:
the knowledge base, the job list, the policy in force, the outbox and the
action service, built from the settings.

A knowledge base that is damaged or cannot be opened (a full disk) does not
stop the session: what needs only the outbox (listing, showing, cancelling
actions, traces) still works, and :attr:`Session.store` and
:attr:`Session.actions` raise its error when something needs them.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import cached_property

from edge_agent.act.data_age import DataSources
from edge_agent.act.service import ActionService, Technician
from edge_agent.clock import utc_now
from edge_agent.config import EdgeSettings
from edge_agent.depot.sync_state import SyncState, read_sync_state
from edge_agent.device_outbox import device_outbox
from edge_agent.errors import KnowledgeDamaged
from edge_agent.jobs import JobBook, read_job_book
from edge_agent.knowledge import open_knowledge
from edge_agent.policy_store import PolicyStatus, open_policy_store
from edge_agent.tracing import TurnTracer
from knowledge_cache import CacheUnavailable, KnowledgeStore
from sync import Outbox


class Session:
    """The device's stores for one run of a command or the app."""

    def __init__(self, settings: EdgeSettings) -> None:
        self.settings = settings
        self._stack = ExitStack()
        self._store: KnowledgeStore | None = None
        self.knowledge_problem: KnowledgeDamaged | CacheUnavailable | None = None
        """Why the knowledge base could not be opened, if it could not."""
        try:
            self.outbox: Outbox = self._stack.enter_context(device_outbox(settings))
            try:
                self._store = self._stack.enter_context(open_knowledge(settings))
            except (KnowledgeDamaged, CacheUnavailable) as exc:
                self.knowledge_problem = exc
            self.jobs: JobBook = read_job_book(settings.layout.jobs_file)
            self.policy: PolicyStatus = open_policy_store(settings).status()
        except BaseException:
            self._stack.close()
            raise
        self.technician = Technician(settings.technician_id, settings.role)

    @property
    def store(self) -> KnowledgeStore:
        """The knowledge base.

        Raises:
            KnowledgeDamaged: it is damaged (the message says how to restore it).
            CacheUnavailable: it cannot be used now (a full disk, read-only).
        """
        if self._store is None:
            assert self.knowledge_problem is not None
            raise self.knowledge_problem
        return self._store

    @cached_property
    def actions(self) -> ActionService:
        """The action service; it checks proposals against the knowledge base.

        Raises:
            KnowledgeDamaged, CacheUnavailable: as :attr:`store`.
        """
        return ActionService(
            store=self.store,
            jobs=self.jobs,
            policy=self.policy,
            outbox=self.outbox,
            technician=self.technician,
            clock=utc_now,
            kill_switch=read_sync_state(self.settings.home).kill_switch,
            data_sources=self.data_sources,
        )

    @staticmethod
    def sync_state(settings: EdgeSettings) -> SyncState:
        """What the device remembers of its last sync."""
        return read_sync_state(settings.home)

    def data_sources(self) -> DataSources:
        """When this device's data came: its last sync, job book and KB.

        Raises:
            KnowledgeDamaged, CacheUnavailable: as :attr:`store`.
        """
        state = self.sync_state(self.settings)
        stats = self.store.stats()
        return DataSources(
            last_sync_at=state.last_sync_at,
            job_book_version=state.jobs_version,
            job_book_at=self.jobs.received_at,
            kb_version=stats.version,
            kb_at=stats.updated_at,
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
