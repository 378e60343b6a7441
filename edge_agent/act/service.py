"""Governed actions: a checked proposal, the policy's decision, the technician's
confirmation, and one durable outbox record. Nothing here changes the world:
the centre applies what it accepts.

Decision handling: ``deny`` is recorded as denied with its reasons; ``confirm``
and ``approve`` need the technician's confirmation, bound to the exact payload
hash, the technician and the policy version (a changed payload needs a new
confirmation); ``approve`` is then queued as awaiting a supervisor's approval;
``allow`` is queued. An *interactive* decision takes only a confirmation the
technician gave at a prompt (the app's dialog, a terminal's question), never
one given by a flag or a script.

Each argument's origin (typed, photo, document, model: see
:mod:`edge_agent.act.argument_origins`) is part of the request the policy
decides and of the evidence kept with the action, so the centre decides on
the same. So is the age of the data the decision rests on (the last sync,
the job book, the KB, the job's place in the job book, the cited documents'
revisions: see :mod:`edge_agent.act.data_age`).

The decided proposal is :class:`~edge_agent.act.decided.Decided`; the
confirmation and its checks are in :mod:`edge_agent.act.confirmation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edge_agent.act.argument_origins import (
    ArgumentOrigin,
    TurnTexts,
    call_origins,
    origin_names,
)
from edge_agent.act.confirmation import (
    Confirmation,
    check_confirmation,
    prompt_reason,
)
from edge_agent.act.data_age import (
    DataSources,
    cited_documents,
    freshness_of,
    freshness_record,
)
from edge_agent.act.decided import Decided
from edge_agent.act.kept_evidence import KeptEvidence
from edge_agent.act.proposals import Proposer, ToolCall, call_from_payload, check_call
from edge_agent.clock import Clock
from edge_agent.depot.sync_state import KillSwitch
from edge_agent.errors import ConfirmationMismatch, InteractiveConfirmationNeeded
from edge_agent.jobs import JobBook
from edge_agent.policy_store import PolicyStatus
from edge_agent.tracing import CONFIRMATION, POLICY, QUEUE, TurnTracer
from knowledge_cache import KnowledgeStore
from policies import READ, Decision, Outcome, Request, format_time, request_for_call
from sync import ActionState, Outbox, QueuedAction


@dataclass(frozen=True, slots=True)
class Technician:
    """Who acts on this device, as the policy sees them."""

    technician_id: str
    role: str


class ActionService:
    """Decides, confirms and records actions; one instance per device session.

    Args:
        store: the knowledge base (part prices, codes).
        jobs: the cached job list.
        policy: the policy in force; in read-only mode it denies every action.
        outbox: where actions wait for the centre.
        technician: who is acting.
        clock: gives the confirmation time.
        kill_switch: what the centre last switched off (from the last sync);
            it denies those actions on top of the policy.
        data_sources: when the device's data came (last sync, job book, KB),
            read at each decision; by default the job book's and the KB's
            own times, with no sync known.
    """

    def __init__(
        self,
        *,
        store: KnowledgeStore,
        jobs: JobBook,
        policy: PolicyStatus,
        outbox: Outbox,
        technician: Technician,
        clock: Clock,
        kill_switch: KillSwitch | None = None,
        data_sources: Callable[[], DataSources] | None = None,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._policy = policy
        self._outbox = outbox
        self._technician = technician
        self._clock = clock
        self._kill_switch = kill_switch or KillSwitch()
        self._data_sources = data_sources or self._own_sources

    def _own_sources(self) -> DataSources:
        stats = self._store.stats()
        return DataSources(
            job_book_at=self._jobs.received_at,
            kb_version=stats.version,
            kb_at=stats.updated_at,
        )

    def decide(
        self,
        call: ToolCall,
        *,
        proposed_by: Proposer,
        tracer: TurnTracer,
        model_confidence: float | None = None,
        grounded: bool | None = None,
        argument_sources: Mapping[str, str] | None = None,
        texts: TurnTexts | None = None,
        recorded_origins: Mapping[str, ArgumentOrigin] | None = None,
        kept: bool = False,
    ) -> Decided:
        """Check ``call`` and ask the policy.

        ``argument_sources`` says which arguments rules read and which the
        model chose; it is kept as evidence. Each argument's origin, which
        the policy may judge, is ``typed`` for a call by hand, else found in
        the turn's ``texts`` (rules-read arguments are typed), else as
        ``recorded_origins`` (an action kept for later) say; with none of
        these, unknown. The request carries the age of the data it rests on.
        ``kept``: a proposal kept for later, decided again; its job may have
        left the job book since, which the policy judges.

        Raises:
            ProposalError: the call is invalid or names what the device does
                not know.
        """
        proposal = check_call(
            call,
            proposed_by=proposed_by,
            store=self._store,
            jobs=self._jobs,
            require_known_job=not kept,
        )
        origins = call_origins(
            proposal.tool,
            proposal.args,
            proposed_by=proposal.proposed_by,
            texts=texts,
            sources=argument_sources or {},
            recorded=recorded_origins,
        )
        job_id = proposal.args.get("job_id")
        job = self._jobs.job(str(job_id or ""))
        asset_id = proposal.args.get("asset_id") or (job.asset_id if job else None)
        freshness = freshness_record(
            self._data_sources(),
            now=self._clock(),
            job_id=None if job_id is None else str(job_id),
            jobs=self._jobs,
            asset_id=None if asset_id is None else str(asset_id),
            documents=cited_documents(
                proposal.evidence,
                (o.ref for o in origins.values() if o.ref),
                self._store,
            ),
        )
        request = request_for_call(
            self._policy.policy,
            tool=proposal.tool,
            args=proposal.args,
            technician_id=self._technician.technician_id,
            role=self._technician.role,
            site=job.site_id if job else None,
            asset=job.asset_id if job else None,
            job=job.job_id if job else None,
            model_proposed=proposed_by == "model",
            model_confidence=model_confidence,
            grounded=grounded,
            arg_origins=origin_names(origins),
            freshness=freshness_of(freshness),
        )
        with tracer.span(POLICY, gen_ai__tool__name=proposal.tool) as span:
            decision = self._switched_off(request) or self._held_if_switch_unknown(
                request, self._policy.decide(request)
            )
            span.set(
                edge__policy__outcome=str(decision.outcome),
                edge__policy__version=decision.bundle_version,
                edge__policy__rules=",".join(decision.matched_rules),
                edge__policy__interactive=decision.needs_interactive_confirmation,
                edge__policy__origins=",".join(
                    f"{name}={o.origin}" for name, o in origins.items()
                ),
            )
        return Decided(
            proposal,
            request.action_type,
            decision,
            model_confidence,
            grounded,
            dict(argument_sources or {}),
            origins,
            freshness,
        )

    def _switched_off(self, request: Request) -> Decision | None:
        """A denial when the centre's kill switch covers this action."""
        switch = self._kill_switch
        if request.action_type == READ or not (
            switch.agent or request.tool in switch.tools
        ):
            return None
        version = self._policy.bundle.version if self._policy.bundle else 0
        reason = switch.reason or "the depot has switched this off"
        return Decision(
            Outcome.DENY,
            (f"Switched off by the centre: {reason}.",),
            ("centre.kill_switch",),
            version,
        )

    def _held_if_switch_unknown(self, request: Request, decision: Decision) -> Decision:
        """``decision``, raised to a supervisor's approval while the device
        cannot tell what the centre switched off (its record was damaged)."""
        switch = self._kill_switch
        if (
            not switch.unreadable
            or request.action_type == READ
            or decision.outcome >= Outcome.APPROVE
        ):
            return decision
        return Decision(
            Outcome.APPROVE,
            (
                f"Held for a supervisor: {switch.reason}. Sync to restore it.",
                *decision.reasons,
            ),
            ("centre.kill_switch.unreadable", *decision.matched_rules),
            decision.bundle_version,
        )

    def confirm(
        self, decided: Decided, *, tracer: TurnTracer, interactive: bool = False
    ) -> Confirmation:
        """Record that the technician confirms this exact action now;
        ``interactive`` when they answered a prompt that showed it."""
        confirmation = Confirmation(
            technician_id=self._technician.technician_id,
            payload_hash=decided.proposal.payload_hash,
            bundle_version=decided.decision.bundle_version,
            confirmed_at=format_time(self._clock()),
            interactive=interactive,
        )
        with tracer.span(
            CONFIRMATION,
            edge__confirmation__technician=confirmation.technician_id,
            edge__confirmation__payload_hash=confirmation.payload_hash,
            edge__confirmation__interactive=interactive,
        ):
            pass
        return confirmation

    def submit(
        self,
        decided: Decided,
        *,
        tracer: TurnTracer,
        confirmation: Confirmation | None = None,
        evidence: Mapping[str, Any] | None = None,
    ) -> QueuedAction:
        """Write the action, its decision, evidence and the turn's trace at once.

        A denied action is recorded as denied. An action that needs
        confirmation is refused without a matching one (given at a prompt,
        when the decision is interactive).

        Raises:
            ConfirmationNeeded: no confirmation for an action that needs one.
            InteractiveConfirmationNeeded: the decision is interactive and the
                confirmation was not given at a prompt.
            ConfirmationMismatch: the confirmation is for something else.
        """
        if decided.needs_confirmation and decided.decision.outcome is not Outcome.DENY:
            check_confirmation(
                decided, confirmation, technician_id=self._technician.technician_id
            )
        state = decided.state_when_queued()
        with tracer.span(QUEUE, edge__action__state=state.value):
            pass
        trace = tracer.finish()
        return self._outbox.enqueue(
            tool=decided.proposal.tool,
            action_type=decided.action_type,
            payload=decided.proposal.payload,
            decision=decided.decision.as_dict(),
            confirmation=confirmation.as_dict() if confirmation else None,
            evidence={**decided.evidence(), **(evidence or {})},
            trace=trace.as_dict(),
            state=state,
            actor=self._technician.technician_id,
            reason=_queue_reason(decided, confirmation),
        )

    def record_for_later(self, decided: Decided, *, tracer: TurnTracer) -> QueuedAction:
        """Keep a proposal that waits for the technician's confirmation."""
        with tracer.span(QUEUE, edge__action__state=ActionState.PROPOSED.value):
            pass
        return self._outbox.enqueue(
            tool=decided.proposal.tool,
            action_type=decided.action_type,
            payload=decided.proposal.payload,
            decision=decided.decision.as_dict(),
            evidence=decided.evidence(),
            trace=tracer.finish().as_dict(),
            state=ActionState.PROPOSED,
            actor=self._technician.technician_id,
            reason="waiting for your confirmation",
        )

    def confirm_later(
        self, key: str, *, tracer: TurnTracer, interactive: bool = False
    ) -> QueuedAction:
        """Confirm a proposal kept for later: decided again under the policy in
        force now (its arguments' origins as recorded), recorded as a new
        action, and the proposal closed. ``interactive``: the technician
        answered a prompt that showed it.

        Raises:
            ConfirmationMismatch: the action is not waiting for confirmation, or
                deciding it again changed its payload (e.g. a new price).
            InteractiveConfirmationNeeded: the decision is interactive and
                ``interactive`` is false; nothing changes.
            ProposalError: it is no longer valid (a part left the catalogue).
        """
        kept = self._outbox.get(key)
        if kept.state is not ActionState.PROPOSED:
            raise ConfirmationMismatch(
                f"Action {kept.seq} is {kept.state.value}, not waiting for "
                "confirmation."
            )
        recorded = KeptEvidence.read(kept.evidence)
        decided = self.decide(
            call_from_payload(kept.payload),
            proposed_by=recorded.proposed_by,
            tracer=tracer,
            model_confidence=recorded.model_confidence,
            grounded=recorded.grounded,
            argument_sources=recorded.argument_sources,
            recorded_origins=recorded.origins,
            kept=True,
        )
        if decided.proposal.payload_hash != kept.payload_hash:
            raise ConfirmationMismatch(
                f"Action {kept.seq} would change if queued now (its price or "
                "data moved); cancel it and propose it again."
            )
        if decided.decision.needs_interactive_confirmation and not interactive:
            raise InteractiveConfirmationNeeded(
                f"Action {kept.seq} ({decided.proposal.tool}) must be confirmed "
                f"at a prompt that shows it to you: {prompt_reason(decided)}",
                seq=kept.seq,
            )
        confirmation = (
            self.confirm(decided, tracer=tracer, interactive=interactive)
            if decided.needs_confirmation
            else None
        )
        with self._outbox.atomic():
            queued = self.submit(decided, tracer=tracer, confirmation=confirmation)
            self._outbox.cancel(
                key,
                actor=self._technician.technician_id,
                reason=f"confirmed and recorded as action {queued.seq}",
            )
        return queued


def _queue_reason(decided: Decided, confirmation: Confirmation | None) -> str:
    """Why the action is in its first state, as the technician reads it."""
    first = decided.decision.reasons[0] if decided.decision.reasons else ""
    if decided.decision.outcome is Outcome.DENY:
        return first
    if decided.decision.outcome is Outcome.APPROVE:
        return f"awaiting a supervisor's approval: {first}"
    if confirmation is not None:
        return f"confirmed by {confirmation.technician_id}"
    return first
