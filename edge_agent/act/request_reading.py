"""A technician's request read by rules: which tool, and which arguments.

Nothing here calls the model. Codes are read with the knowledge base's own
formats (declared or learned, typing slips read: ``4471-g1O-131``); jobs and
assets by the ids, serials and customer names of the cached job list; the
tool by its verbs; counts, times, priorities, statuses and channels by their
words (:mod:`edge_agent.act.request_words`). What the words leave open or
ambiguous (two parts, two counts, no verb, two tools) is left *missing*: the
model is asked for exactly that, and what the rules read stays fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic.fields import FieldInfo

from edge_agent.act import request_words as w
from edge_agent.act.catalogue import TOOLS
from edge_agent.act.request_spans import (
    Span,
    code_spans,
    customer_spans,
    id_spans,
    mask,
)
from edge_agent.act.request_text import (
    DEFAULT_LIMIT,
    contact_message,
    free_text,
    limited,
)
from edge_agent.jobs import JobBook
from knowledge_cache import KnowledgeStore

MAX_REQUEST_CHARS = 500
"""Longer requests are read up to here (the knowledge base reads as far)."""


@dataclass(frozen=True, slots=True)
class RequestReading:
    """What rules read from a request.

    Attributes:
        tool: the tool the words name, or ``None`` (no verb, or two tools).
        args: arguments read with confidence; for no tool, the ids it names.
        missing: required arguments not read, and optional ones written
            ambiguously: the model is asked for these.
        notes: why something was left to the model, in words, for the trace.
    """

    tool: str | None
    args: Mapping[str, Any]
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """A call needs nothing from the model."""
        return self.tool is not None and not self.missing


@dataclass(slots=True)
class _Read:
    """What the request names, gathered before a tool is chosen."""

    text: str
    masked: str
    spans: list[Span]
    context_job: str | None
    book: JobBook
    notes: list[str] = field(default_factory=list)

    def values(self, kind: str) -> list[str]:
        return list(dict.fromkeys(s.value for s in self.spans if s.kind == kind))


def read_request(
    request: str, *, store: KnowledgeStore, jobs: JobBook, job_id: str | None = None
) -> RequestReading:
    """Read ``request`` by rules: the tool its words name and the arguments
    they give, with ``job_id`` as the job in context (the chat's job)."""
    text = request[:MAX_REQUEST_CHARS]
    spans = code_spans(store, text, jobs)
    spans += id_spans(text, jobs, taken=spans)
    names = customer_spans(text, jobs)
    read = _Read(text, mask(text, spans, names), spans, job_id, jobs)
    read.spans += names
    choice = w.choose_tool(read.masked, names_a_part=bool(read.values("part")))
    if choice.tool is None:
        return RequestReading(None, _ids(read), (), (choice.note,))
    args, missing = ASSEMBLERS[choice.tool](read)
    return RequestReading(
        choice.tool,
        {name: value for name, value in args.items() if value is not None},
        tuple(missing),
        tuple(read.notes),
    )


# --- arguments, tool by tool ----------------------------------------------------------

_UNSURE = object()
"""An argument written more than one way: left to the model."""


def _one(read: _Read, name: str, values: Sequence[Any]) -> Any:
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1:
        read.notes.append(f"{name}: the request gives {len(distinct)} values")
        return _UNSURE
    return distinct[0] if distinct else None


def _job(read: _Read) -> Any:
    """The job the text names; else the one its customer has; else the context."""
    named = _one(read, "job_id", read.values("job"))
    if named is not None:
        return named
    customers = set(read.values("customer"))
    theirs = sorted(
        job.job_id for job in read.book.jobs.values() if job.customer_name in customers
    )
    if read.context_job in theirs or (not theirs and read.context_job):
        return read.context_job
    return _one(read, "job_id", theirs)


def _job_and_asset(read: _Read, *, from_job: bool) -> tuple[Any, Any]:
    """The job (:func:`_job`) and the asset the text names; with no asset
    named and ``from_job``, the job's asset. A job only in context is dropped
    when the text names another asset: the request is about another machine."""
    job = _job(read)
    named = _one(read, "asset_id", read.values("asset"))
    context = read.book.job(job) if isinstance(job, str) else None
    if named is None:
        return job, context.asset_id if from_job and context is not None else None
    only_context = not read.values("job") and not read.values("customer")
    if only_context and context is not None and context.asset_id != named:
        read.notes.append(f"job_id: {job} is for another asset")
        return None, named
    return job, named


def _quantity(read: _Read) -> Any:
    value = _one(read, "quantity", sorted(w.counts(read.masked)))
    if value is not None:
        return value
    parts = [s for s in read.spans if s.kind == "part"]
    if any(w.plural_next_to(read.masked, s.start, s.end) for s in parts):
        read.notes.append("quantity: a plural with no count")
        return None
    return 1


def _order(read: _Read) -> dict[str, Any]:
    return {
        "part_number": _one(read, "part_number", read.values("part")),
        "quantity": _quantity(read),
        "job_id": _job(read),
    }


def _work_order(read: _Read) -> dict[str, Any]:
    job, asset = _job_and_asset(read, from_job=True)
    return {
        "asset_id": asset,
        "summary": free_text(read.text, read.masked, w.WORK_ORDER),
        "priority": _one(read, "priority", sorted(w.priorities(read.masked))),
        "job_id": job,
    }


def _repair(read: _Read) -> dict[str, Any]:
    job, asset = _job_and_asset(read, from_job=True)
    return {
        "asset_id": asset,
        "work_done": free_text(read.text, read.masked, w.REPAIR),
        "job_id": job,
        "fault_code": _one(read, "fault_code", read.values("fault")),
        "hours": _one(read, "hours", sorted(w.hours(read.masked))),
    }


def _update(read: _Read) -> dict[str, Any]:
    return {
        "job_id": _job(read),
        "note": free_text(read.text, read.masked, w.UPDATE),
        "status": _one(read, "status", sorted(w.statuses(read.masked))),
    }


def _close(read: _Read) -> dict[str, Any]:
    return {
        "job_id": _job(read),
        "resolution": free_text(read.text, read.masked, w.CLOSE),
    }


def _contact(read: _Read) -> dict[str, Any]:
    message = contact_message(read.text, read.masked)
    named = (
        message.channels if message else w.channels(re.findall(r"[a-z-]+", read.masked))
    )
    return {
        "job_id": _job(read),
        "channel": _one(read, "channel", sorted(named)),
        "message": message.text if message else None,
    }


def _escalate(read: _Read) -> dict[str, Any]:
    job, asset = _job_and_asset(read, from_job=False)
    return {
        "summary": free_text(read.text, read.masked, w.ESCALATE),
        "job_id": job,
        "asset_id": asset,
    }


Build = Callable[[_Read], dict[str, Any]]
Assemble = Callable[[_Read], tuple[dict[str, Any], list[str]]]


def _assembled(build: Build, tool: str) -> Assemble:
    """``build`` with its arguments split into read ones and missing ones."""
    fields = TOOLS[tool].args.model_fields

    def assemble(read: _Read) -> tuple[dict[str, Any], list[str]]:
        raw = build(read)
        missing = [
            name
            for name, value in raw.items()
            if value is _UNSURE or (value in (None, "") and fields[name].is_required())
        ]
        args = {
            name: limited(value, _max_length(fields[name]))
            if isinstance(value, str)
            else value
            for name, value in raw.items()
            if value is not _UNSURE and value != ""
        }
        return args, missing

    return assemble


def _max_length(info: FieldInfo) -> int:
    lengths = [m.max_length for m in info.metadata if hasattr(m, "max_length")]
    return min(lengths, default=DEFAULT_LIMIT)


ASSEMBLERS = {
    tool: _assembled(build, tool)
    for tool, build in (
        (w.ORDER, _order),
        (w.WORK_ORDER, _work_order),
        (w.REPAIR, _repair),
        (w.UPDATE, _update),
        (w.CLOSE, _close),
        (w.CONTACT, _contact),
        (w.ESCALATE, _escalate),
    )
}
"""For each tool the rules read, the arguments they read and those missing."""


def _ids(read: _Read) -> dict[str, Any]:
    """The ids a request names when no tool is read: they hold for any tool."""
    values = {
        "job_id": _job(read),
        "asset_id": _one(read, "asset_id", read.values("asset")),
        "part_number": _one(read, "part_number", read.values("part")),
        "fault_code": _one(read, "fault_code", read.values("fault")),
    }
    return {k: v for k, v in values.items() if v is not None and v is not _UNSURE}
