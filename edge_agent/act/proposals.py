"""Turning a tool call (from the model or typed by hand) into a checked proposal.

A call is checked against its tool's argument schema and against what the
device knows: a part must be in the catalogue (its price is the catalogue's,
never the caller's), a job or asset must be in the cached job list, a fault
code must be in the code table. What is proposed is then hashed so a
confirmation binds to these exact arguments.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from edge_agent.act.catalogue import TOOLS, ToolSpec
from edge_agent.errors import ProposalError
from edge_agent.jobs import JobBook
from knowledge_cache import CodeKind, KnowledgeStore, code_key
from sync import payload_hash

Proposer = Literal["model", "rules", "technician"]
"""Who made the call: the model, rules reading the technician's words (no
model), or the technician by hand."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool name and its raw arguments, before any check."""

    tool: str
    args: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Proposal:
    """A checked tool call, ready for the policy.

    ``args`` are the validated arguments with catalogue data added (an
    order's ``unit_price`` and ``currency``); ``payload_hash`` is the SHA-256
    of the canonical JSON of :attr:`payload` (tool name and arguments).
    """

    tool: str
    args: Mapping[str, Any]
    proposed_by: Proposer
    payload_hash: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return call_payload(self.tool, self.args)


CATALOGUE_FIELDS = ("description", "unit_price", "currency")
"""Arguments the device adds to an order from the catalogue."""


def call_from_payload(payload: Mapping[str, Any]) -> ToolCall:
    """The call a stored payload came from (catalogue data taken out again)."""
    args = dict(payload.get("args", {}))
    if payload.get("tool") == "order_part":
        for name in CATALOGUE_FIELDS:
            args.pop(name, None)
    return ToolCall(str(payload.get("tool", "")), args)


def call_payload(tool: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """What is queued and confirmed: the tool and its exact arguments."""
    return {"tool": tool, "args": dict(args)}


def parse_tool_call(text: str) -> ToolCall:
    """Parse the model's JSON tool call.

    Raises:
        ProposalError: not JSON, or not ``{"tool": ..., "args": {...}}``.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProposalError(
            f"The model's tool call is not valid JSON ({exc})."
        ) from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("tool"), str)
        or not isinstance(data.get("args"), dict)
    ):
        raise ProposalError('A tool call must be {"tool": name, "args": {...}}.')
    return ToolCall(data["tool"], data["args"])


def check_call(
    call: ToolCall,
    *,
    proposed_by: Proposer,
    store: KnowledgeStore,
    jobs: JobBook,
    require_known_job: bool = True,
) -> Proposal:
    """Validate ``call`` against its schema and the device's knowledge.

    ``require_known_job``: refuse a job not in the job book (a new proposal);
    a proposal kept for later, decided again, leaves that to the policy,
    since its job may have left the job book since.

    Raises:
        ProposalError: unknown tool, invalid arguments, or a part, job, asset
            or code the device does not know.
    """
    spec = TOOLS.get(call.tool)
    if spec is None:
        raise ProposalError(f"There is no tool called {call.tool!r}.", tool=call.tool)
    args = _validated(spec, call.args)
    evidence: dict[str, Any] = {"kb_version": store.stats().version}
    _check_references(spec.name, args, jobs, require_known_job)
    if spec.name == "order_part":
        args, evidence["catalogue_chunk"] = _priced(args, store)
    if args.get("fault_code"):
        evidence["fault_code_chunk"] = _known_fault_code(str(args["fault_code"]), store)
    return Proposal(
        tool=spec.name,
        args=args,
        proposed_by=proposed_by,
        payload_hash=payload_hash(call_payload(spec.name, args)),
        evidence=evidence,
    )


def _validated(spec: ToolSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    if spec.name == "order_part" and ("unit_price" in raw or "amount" in raw):
        raise ProposalError(
            "The price of a part comes from the catalogue; leave it out.",
            tool=spec.name,
            field="unit_price",
        )
    try:
        model = spec.args.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "args"
        raise ProposalError(
            f"{spec.name}: {where}: {first['msg']}.", tool=spec.name, field=where
        ) from exc
    return model.model_dump(exclude_none=True)


def _check_references(
    tool: str, args: Mapping[str, Any], jobs: JobBook, require_known_job: bool
) -> None:
    job_id = args.get("job_id")
    if require_known_job and job_id is not None and jobs.job(str(job_id)) is None:
        raise ProposalError(
            f"Job {job_id} is not in your job list; sync to get new jobs.",
            tool=tool,
            field="job_id",
        )
    asset_id = args.get("asset_id")
    if asset_id is not None and jobs.asset(str(asset_id)) is None:
        raise ProposalError(
            f"Asset {asset_id} is not in your job list's assets.",
            tool=tool,
            field="asset_id",
        )


def _priced(args: dict[str, Any], store: KnowledgeStore) -> tuple[dict[str, Any], str]:
    part = str(args["part_number"])
    entries = [
        e
        for e in store.lookup_code(part)
        if e.kind is CodeKind.PART_NUMBER and code_key(e.code) == code_key(part)
    ]
    if not entries:
        raise ProposalError(
            f"Part {part} is not in the parts catalogue.",
            tool="order_part",
            field="part_number",
        )
    entry = entries[0]
    priced = {**args, "part_number": entry.code, CATALOGUE_FIELDS[0]: entry.description}
    price = entry.attributes.get("unit_price", "")
    # An unpriced part keeps no price: the policy decides what that needs.
    with contextlib.suppress(ValueError):
        priced["unit_price"] = round(float(price), 2)
    if entry.attributes.get("currency"):
        priced["currency"] = entry.attributes["currency"]
    return priced, entry.chunk_id


def _known_fault_code(code: str, store: KnowledgeStore) -> str:
    entries = [e for e in store.lookup_code(code) if e.kind is CodeKind.FAULT_CODE]
    if not entries:
        raise ProposalError(
            f"Fault code {code} is not in the code table.",
            tool="record_repair",
            field="fault_code",
        )
    return entries[0].chunk_id
