"""The form that proposes an action by hand: what it offers (jobs, assets,
parts) and the policy's decision on what is filled in so far."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edge_agent.act.form_fields import FormChoices, choices_from
from edge_agent.act.preview import Preview, preview_call
from edge_agent.act.proposals import ToolCall
from edge_agent.config import EdgeSettings
from edge_agent.errors import JobsUnreadable
from edge_agent.jobs import EMPTY, read_job_book
from edge_agent.tui.tasks.stores import knowledge, session
from knowledge_cache import CodeKind


def form_choices(settings: EdgeSettings) -> FormChoices:
    """The jobs and assets of the job list and the catalogue's parts.

    A damaged job list offers no jobs or assets and says why (the next sync
    replaces it); the parts are still offered.
    """
    notice = ""
    try:
        book = read_job_book(settings.layout.jobs_file)
    except JobsUnreadable as exc:
        book, notice = EMPTY, exc.message
    with knowledge(settings) as store:
        parts = store.codes_of_kind(CodeKind.PART_NUMBER)
    return choices_from(book, parts, notice)


def preview_by_hand(
    settings: EdgeSettings, tool: str, args: Mapping[str, Any]
) -> Preview:
    """What the policy would decide on this call now; nothing is recorded."""
    with session(settings) as opened:
        return preview_call(opened.actions, ToolCall(tool, dict(args)))
