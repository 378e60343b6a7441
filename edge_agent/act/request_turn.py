"""The action turn: a technician's request in words becomes one governed action.

The model sees the request, facts the device looked up for it (parts and
codes it names, the job in context), and a grammar that admits only the
action tools this technician's role may use and that no kill switch has
stopped. Whatever it proposes is checked and decided like a hand-made action;
text in documents or photos cannot widen what is offered or allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge_agent.act.catalogue import ToolSpec, action_tools
from edge_agent.act.service import ActionService, Decided
from edge_agent.act.tool_calling import ModelCall, is_grounded, propose_call
from edge_agent.jobs import JobBook
from edge_agent.llm import ChatModel
from edge_agent.tracing import CHAT, TurnTracer
from knowledge_cache import CodeKind, KnowledgeStore
from policies import Policy

if TYPE_CHECKING:
    from edge_agent.session import Session


@dataclass(frozen=True, slots=True)
class AgentProposal:
    """What came of a request: a decided proposal, or why there is none."""

    request: str
    model_call: ModelCall | None
    decided: Decided | None
    problem: str | None = None


def offered_tools(policy: Policy | None, role: str) -> list[ToolSpec]:
    """Action tools the role may use and no kill switch has stopped."""
    if policy is None or policy.kill_switches.agent or role not in policy.roles:
        return []
    switches = policy.kill_switches
    names = [
        name
        for name in policy.roles[role].tools
        if name not in switches.tools
        and policy.tools.get(name) not in switches.action_types
    ]
    return action_tools(names)


def request_facts(
    store: KnowledgeStore, jobs: JobBook, request: str, job_id: str | None
) -> list[str]:
    """Facts for the prompt: codes and parts the request names, and its job."""
    facts = []
    for entry in store.lookup_code(request):
        price = entry.attributes.get("unit_price")
        extra = f" (unit price {price} {entry.attributes.get('currency', '')})"
        facts.append(
            f"{entry.code}: {entry.description}"
            + (extra.rstrip() if entry.kind is CodeKind.PART_NUMBER and price else "")
        )
    job = jobs.job(job_id) if job_id else None
    if job is not None:
        asset = jobs.asset(job.asset_id)
        facts.append(f"Job {job.job_id}: {job.summary} (asset {job.asset_id})")
        if asset is not None:
            facts.append(
                f"Asset {asset.asset_id}: {asset.model}, serial {asset.serial}"
            )
    return facts


def propose_in_session(
    session: Session,
    request: str,
    *,
    model: ChatModel,
    tracer: TurnTracer,
    job_id: str | None = None,
) -> AgentProposal:
    """:func:`propose_from_request` with the session's stores, policy and role."""
    return propose_from_request(
        request,
        model=model,
        service=session.actions,
        store=session.store,
        jobs=session.jobs,
        policy=session.policy.policy,
        role=session.technician.role,
        tracer=tracer,
        job_id=job_id,
    )


def known_values(store: KnowledgeStore, jobs: JobBook) -> dict[str, list[str]]:
    """Ids the grammar may offer: catalogue parts, cached jobs and assets."""
    parts = [entry.code for entry in store.codes_of_kind(CodeKind.PART_NUMBER)]
    return {
        "part_number": parts,
        "job_id": sorted(jobs.jobs),
        "asset_id": sorted(jobs.assets),
    }


def propose_from_request(
    request: str,
    *,
    model: ChatModel,
    service: ActionService,
    store: KnowledgeStore,
    jobs: JobBook,
    policy: Policy | None,
    role: str,
    tracer: TurnTracer,
    job_id: str | None = None,
) -> AgentProposal:
    """Let the model turn ``request`` into a call, then check and decide it."""
    tools = offered_tools(policy, role)
    if not tools:
        return AgentProposal(request, None, None, "No action is allowed right now.")
    facts = request_facts(store, jobs, request, job_id)
    with tracer.span(
        CHAT, gen_ai__operation__name="chat", gen_ai__request__model=model.model_id
    ) as span:
        result = propose_call(
            model, request, tools, facts=facts, known=known_values(store, jobs)
        )
        span.set(
            gen_ai__usage__input_tokens=result.completion.prompt_tokens,
            gen_ai__usage__output_tokens=result.completion.completion_tokens,
            edge__confidence=result.confidence,
        )
    if result.call is None:
        return AgentProposal(request, result, None, result.error)
    decided = service.decide(
        result.call,
        proposed_by="model",
        tracer=tracer,
        model_confidence=result.confidence,
        grounded=is_grounded(result.call, request, facts),
    )
    return AgentProposal(request, result, decided)
