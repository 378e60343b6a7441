"""Answering one question in a worker, as ``edge-agent ask`` does."""

from __future__ import annotations

import threading

from edge_agent.answering import Answerer, EventSink, answer_settings
from edge_agent.answers import Answer
from edge_agent.config import EdgeSettings
from edge_agent.llm import ModelLoader
from edge_agent.tui.tasks.stores import session


def answer_question(
    settings: EdgeSettings,
    model: ModelLoader | None,
    question: str,
    *,
    on_event: EventSink,
    cancel: threading.Event,
    job_id: str | None = None,
) -> Answer:
    """Answer ``question`` from the knowledge base (and the model, if any).

    ``on_event`` sees facts and checked sentences as they come; setting
    ``cancel`` stops the model. With a ``job_id``, the model of the job's
    asset is searched with a question that names no model of its own. The
    turn's trace is saved in the outbox.
    """
    with session(settings) as opened:
        policy = opened.policy.policy
        budgets = None if policy is None else policy.budgets
        answerer = Answerer(
            opened.store, model, answer_settings(settings, budgets), opened.jobs
        )
        tracer = opened.tracer("ask")
        job = opened.jobs.job(job_id) if job_id else None
        asset = opened.jobs.assets.get(job.asset_id) if job else None
        answer = answerer.ask(
            question,
            on_event=on_event,
            cancel=cancel,
            tracer=tracer,
            equipment=asset.model if asset else "",
        )
        opened.outbox.save_trace(tracer.finish().as_dict())
    return answer
