"""The action turn: a technician's request in words becomes one governed action.

Rules read the request first (:mod:`edge_agent.act.request_reading`): the
tool from its verbs, codes by the knowledge base's formats, jobs and assets
from the job list, counts and channels from their words. When they read every
argument the tool needs, the call is proposed without the model. Otherwise
the model is asked for what is missing only: it sees the request, facts the
device looked up for it (parts and codes it names, the job and asset), and a
grammar that admits only the action tools this technician's role may use and
that no kill switch has stopped, without the arguments rules read, which
stay as read. Whatever is proposed is checked and decided like a hand-made
action; text in documents or photos cannot widen what is offered or allowed.
Each argument's origin is found by comparing it with the request, the text
read from a photo of the turn and the facts shown to the model
(:mod:`edge_agent.act.argument_origins`): the policy may ask more of text the
technician did not type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edge_agent.act.argument_origins import ShownText, TurnTexts
from edge_agent.act.catalogue import TOOLS, ToolSpec, action_tools
from edge_agent.act.decided import Decided
from edge_agent.act.proposals import Proposer, ToolCall
from edge_agent.act.request_reading import RequestReading, read_request
from edge_agent.act.service import ActionService
from edge_agent.act.tool_calling import ModelCall, is_grounded, propose_call
from edge_agent.errors import ProposalError
from edge_agent.jobs import JobBook
from edge_agent.llm import ChatModel
from edge_agent.tracing import CHAT, READING, TurnTracer
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
    reading: RequestReading | None = None
    """What rules read from the request (``None`` when nothing is offered)."""

    @property
    def model_could_help(self) -> bool:
        """No proposal, and rules named no tool or could not fill the one they
        named: the model may read what they could not."""
        reading = self.reading
        if self.decided is not None or reading is None:
            return False
        return reading.tool is None or bool(reading.missing)


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


def shown_facts(
    store: KnowledgeStore,
    jobs: JobBook,
    request: str,
    job_id: str | None,
    assets: Iterable[str] = (),
    photo_lines: Sequence[str] = (),
) -> list[ShownText]:
    """Facts for the prompt, each with where it is from: codes and parts the
    request names, its job, the ``assets`` rules found it names (by id or
    serial), then the lines read from a photo of the turn."""
    facts = []
    for entry in store.lookup_code(request):
        price = entry.attributes.get("unit_price")
        extra = f" (unit price {price} {entry.attributes.get('currency', '')})"
        text = f"{entry.code}: {entry.description}" + (
            extra.rstrip() if entry.kind is CodeKind.PART_NUMBER and price else ""
        )
        facts.append(ShownText("document", entry.chunk_id, text))
    job = jobs.job(job_id) if job_id else None
    if job is not None:
        text = f"Job {job.job_id}: {job.summary} (asset {job.asset_id})"
        facts.append(ShownText("document", f"job {job.job_id}", text))
    shown = [job.asset_id] if job is not None else []
    for asset_id in dict.fromkeys([*shown, *assets]):
        asset = jobs.asset(asset_id)
        if asset is not None:
            text = f"Asset {asset.asset_id}: {asset.model}, serial {asset.serial}"
            facts.append(ShownText("document", f"asset {asset.asset_id}", text))
    facts.extend(
        ShownText("photo", "photo", line) for line in photo_lines if line.strip()
    )
    return facts


def fact_line(shown: ShownText) -> str:
    """A shown text as the prompt gives it (a photo's lines say so)."""
    return f"Read from a photo: {shown.text}" if shown.origin == "photo" else shown.text


def propose_in_session(
    session: Session,
    request: str,
    *,
    model: ChatModel | None,
    tracer: TurnTracer,
    job_id: str | None = None,
    photo_lines: Sequence[str] = (),
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
        photo_lines=photo_lines,
    )


def known_values(store: KnowledgeStore, jobs: JobBook) -> dict[str, list[str]]:
    """Ids the grammar may offer: catalogue parts, cached jobs and assets."""
    parts = [entry.code for entry in store.codes_of_kind(CodeKind.PART_NUMBER)]
    return {
        "part_number": parts,
        "job_id": sorted(jobs.jobs),
        "asset_id": sorted(jobs.assets),
    }


@dataclass(frozen=True, slots=True)
class RequestCall:
    """A request made into a call: read by rules, completed by the model when
    they leave something missing; or why there is no call. ``texts``: the
    request and the facts shown with it (the model's prompt holds them)."""

    reading: RequestReading
    call: ToolCall | None
    texts: TurnTexts
    model_call: ModelCall | None = None
    problem: str | None = None

    @property
    def proposed_by(self) -> Proposer:
        return "rules" if self.model_call is None else "model"

    @property
    def facts(self) -> tuple[str, ...]:
        """The facts shown with the request, as the prompt gives them."""
        return tuple(fact_line(shown) for shown in self.texts.shown)


def call_from_request(
    request: str,
    *,
    model: ChatModel | None,
    store: KnowledgeStore,
    jobs: JobBook,
    tools: Sequence[ToolSpec],
    tracer: TurnTracer,
    job_id: str | None = None,
    photo_lines: Sequence[str] = (),
) -> RequestCall:
    """Read ``request`` by rules; ask the model, among ``tools``, only for
    what they leave missing (nothing when they read it all).

    ``job_id`` is the job in context; ``photo_lines`` the text read from a
    photo the technician took for this request (shown to the model as facts).
    Without a ``model``, only a request that rules read whole becomes a call.
    """
    with tracer.span(READING) as span:
        reading = read_request(request, store=store, jobs=jobs, job_id=job_id)
        span.set(
            edge__reading__tool=reading.tool or "",
            edge__reading__rules=",".join(reading.args),
            edge__reading__missing=",".join(reading.missing),
            edge__reading__notes="; ".join(reading.notes),
            edge__reading__complete=reading.complete,
        )
    read_asset = reading.args.get("asset_id")
    texts = TurnTexts(
        request,
        tuple(
            shown_facts(
                store,
                jobs,
                request,
                reading.args.get("job_id", job_id),
                [read_asset] if read_asset else [],
                photo_lines,
            )
        ),
    )
    facts = tuple(fact_line(shown) for shown in texts.shown)
    if reading.complete:
        return RequestCall(reading, ToolCall(str(reading.tool), reading.args), texts)
    offered = {tool.name: tool for tool in tools}
    if reading.tool is not None and reading.tool not in offered:
        problem = f"{reading.tool} is not offered to you right now."
        return RequestCall(reading, None, texts, problem=problem)
    if model is None:
        return RequestCall(reading, None, texts, problem=_needs_model(reading))
    asked = [offered[reading.tool]] if reading.tool else list(tools)
    with tracer.span(
        CHAT, gen_ai__operation__name="chat", gen_ai__request__model=model.model_id
    ) as span:
        result = propose_call(
            model,
            request,
            asked,
            facts=facts,
            known=known_values(store, jobs),
            fixed=settled(reading),
        )
        span.set(
            gen_ai__usage__input_tokens=result.completion.prompt_tokens,
            gen_ai__usage__output_tokens=result.completion.completion_tokens,
            edge__confidence=result.confidence,
        )
    return RequestCall(reading, result.call, texts, result, result.error)


def propose_from_request(
    request: str,
    *,
    model: ChatModel | None,
    service: ActionService,
    store: KnowledgeStore,
    jobs: JobBook,
    policy: Policy | None,
    role: str,
    tracer: TurnTracer,
    job_id: str | None = None,
    photo_lines: Sequence[str] = (),
) -> AgentProposal:
    """Make ``request`` a call (:func:`call_from_request`), then check and
    decide it like any other, with each argument's origin in the turn.

    A call rules read whole that the device cannot check (a part the
    catalogue lacks, a job not in the list) is reported as the problem.

    Raises:
        ProposalError: the model's call is invalid.
    """
    tools = offered_tools(policy, role)
    if not tools:
        return AgentProposal(request, None, None, "No action is allowed right now.")
    made = call_from_request(
        request,
        model=model,
        store=store,
        jobs=jobs,
        tools=tools,
        tracer=tracer,
        job_id=job_id,
        photo_lines=photo_lines,
    )
    if made.call is None:
        return AgentProposal(request, made.model_call, None, made.problem, made.reading)
    try:
        decided = service.decide(
            made.call,
            proposed_by=made.proposed_by,
            tracer=tracer,
            model_confidence=made.model_call.confidence if made.model_call else None,
            grounded=is_grounded(made.call, request, made.facts),
            argument_sources=argument_sources(made.call, made.reading.args),
            texts=made.texts,
        )
    except ProposalError as exc:
        if made.model_call is not None:
            raise
        return AgentProposal(request, None, None, exc.message, made.reading)
    return AgentProposal(request, made.model_call, decided, None, made.reading)


def settled(reading: RequestReading) -> dict[str, Any]:
    """What the model may not change: every argument rules read, and, for a
    tool they read, every optional one the request does not give (``None``:
    the model may not add a job or an asset the technician did not name)."""
    if reading.tool is None:
        return dict(reading.args)
    fields = TOOLS[reading.tool].args.model_fields
    return {
        name: reading.args.get(name) for name in fields if name not in reading.missing
    }


def argument_sources(call: ToolCall, read: Mapping[str, object]) -> dict[str, str]:
    """Which of the call's arguments rules read and which the model chose."""
    return {
        name: "rules" if name in read and read[name] == value else "model"
        for name, value in call.args.items()
    }


def _needs_model(reading: RequestReading) -> str:
    if reading.tool is None:
        why = reading.notes[0] if reading.notes else "no tool is named"
        return f"The request names no one action ({why}); no local model to ask."
    missing = ", ".join(reading.missing)
    return (
        f"{reading.tool} needs {missing}: the request does not say it clearly, "
        "and there is no local model to ask."
    )
