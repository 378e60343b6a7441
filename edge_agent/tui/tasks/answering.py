"""Answering one question in a worker, as ``edge-agent ask`` does."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from edge_agent.answer.answer_turn import EventSink
from edge_agent.answer.question_turn import answer_in_session
from edge_agent.answer.values import Answer
from edge_agent.config import EdgeSettings
from edge_agent.llm import ModelLoader
from edge_agent.tui.tasks.stores import session
from edge_agent.tui.tasks.withdrawn import take_withdrawn_notices


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer and the id of its turn's trace (kept in the outbox)."""

    answer: Answer
    trace_id: str


def answer_question(
    settings: EdgeSettings,
    model: ModelLoader | None,
    question: str,
    *,
    on_event: EventSink,
    cancel: threading.Event,
    job_id: str | None = None,
) -> Answered:
    """:func:`~edge_agent.answer.question_turn.answer_in_session` in a session
    opened for this worker thread.

    The first answer after a sync withdrew documents says so first among
    its notices, once (as ``edge-agent ask`` does).
    """
    with session(settings) as opened:
        tracer = opened.tracer("ask")
        answer = answer_in_session(
            opened,
            question,
            model=model,
            on_event=on_event,
            cancel=cancel,
            job_id=job_id,
            tracer=tracer,
        )
    told = take_withdrawn_notices(settings)
    if told:
        answer = replace(answer, notices=(*told, *answer.notices))
    return Answered(answer, tracer.trace_id)
