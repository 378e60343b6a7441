"""The question turn: one technician question becomes one traced answer.

Every front end (``edge-agent ask``, the plain prompt and the terminal app)
answers through :func:`answer_in_session`, so they share the policy's answer
budgets, the job in hand and the trace saved with the turn; they only render.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from edge_agent.answer.answer_turn import EventSink
from edge_agent.answer.answerer import Answerer
from edge_agent.answer.budgets import answer_settings
from edge_agent.answer.values import Answer, AnswerEvent
from edge_agent.llm import ModelLoader

if TYPE_CHECKING:
    from edge_agent.session import Session
    from edge_agent.tracing import TurnTracer


def _ignore(_event: AnswerEvent) -> None:
    return None


def answer_in_session(
    session: Session,
    question: str,
    *,
    model: ModelLoader | None,
    on_event: EventSink = _ignore,
    cancel: threading.Event | None = None,
    job_id: str | None = None,
    tracer: TurnTracer | None = None,
) -> Answer:
    """Answer ``question`` from the session's knowledge base (and ``model``).

    The session's policy may lower the answer budgets. ``on_event`` sees facts
    and checked sentences as they come; setting ``cancel`` stops the model.
    With a ``job_id``, the model of the job's asset is searched with a
    question that names no model of its own. The turn's trace (``tracer``,
    or a new one) is saved in the outbox.
    """
    policy = session.policy.policy
    budgets = None if policy is None else policy.budgets
    answerer = Answerer(
        session.store, model, answer_settings(session.settings, budgets), session.jobs
    )
    tracer = session.tracer("ask") if tracer is None else tracer
    answer = answerer.ask(
        question,
        on_event=on_event,
        cancel=cancel,
        tracer=tracer,
        equipment=_equipment(session, job_id),
    )
    # The centre's drift report counts the routes (and what found nothing).
    tracer.annotate(edge__answer__route=answer.route.value)
    session.outbox.save_trace(tracer.finish().as_dict())
    return answer


def _equipment(session: Session, job_id: str | None) -> str:
    """The model of the asset the job in hand is about, or ``""``."""
    job = session.jobs.job(job_id) if job_id else None
    asset = session.jobs.assets.get(job.asset_id) if job else None
    return asset.model if asset else ""
