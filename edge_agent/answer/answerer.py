"""One technician question to one answer, by the lightest route that can.

1. Codes named in the question: exact lookup, no model call.
2. Otherwise retrieval; nothing relevant: say so and offer the closest entries.
3. Relevant chunks: quote them, then let the model explain around the quotes;
   each model sentence is shown only if it passes the grounding check, and a
   mostly unsupported explanation is withdrawn (the answer stays extractive).

The routes are answered by ``code_answers`` and ``text_answers``; the model's
explanation by ``explanation`` (its sentences checked by ``sentence_checks``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from edge_agent.answer.answer_turn import AnswerTurn, EventSink, ms_since
from edge_agent.answer.budgets import AnswerSettings, answer_settings
from edge_agent.answer.code_answers import CodeAnswers, correction_notice
from edge_agent.answer.explanation import Explainer
from edge_agent.answer.routing import code_mentions
from edge_agent.answer.serials import SerialLookup, look_up_serials
from edge_agent.answer.text_answers import TextAnswers
from edge_agent.answer.values import Answer, AnswerEvent, Route
from edge_agent.jobs import JobBook
from edge_agent.llm import ModelLoader
from edge_agent.tracing import RETRIEVAL, TurnTracer
from knowledge_cache import CodeKind, KnowledgeStore, UnderstoodQuery

__all__ = ["RETRIEVED_CHUNKS", "AnswerSettings", "Answerer", "answer_settings"]

RETRIEVED_CHUNKS = 5


def _ignore(_event: AnswerEvent) -> None:
    return None


class Answerer:
    """Answers questions from a knowledge store and, optionally, a local model."""

    def __init__(
        self,
        store: KnowledgeStore,
        model: ModelLoader | None,
        settings: AnswerSettings | None = None,
        jobs: JobBook | None = None,
    ) -> None:
        self._store = store
        self._jobs = jobs
        settings = settings or AnswerSettings()
        explainer = Explainer(store, model, settings)
        self._codes = CodeAnswers(store, explainer, settings)
        self._texts = TextAnswers(store, explainer)

    def ask(
        self,
        question: str,
        *,
        on_event: EventSink = _ignore,
        cancel: threading.Event | None = None,
        tracer: TurnTracer | None = None,
        equipment: str = "",
    ) -> Answer:
        """Answer ``question``; ``on_event`` sees facts and sentences as they come.

        With a ``tracer``, retrieval and the model call are recorded as spans.
        ``equipment`` is the model of what the technician is working on (the
        asset of the job in hand, e.g. ``HP-300``): searched with a question
        that names no model of its own, so "what torque for the casing bolts"
        finds that machine's manual first. With a job list (``jobs``), a
        serial number in the question is looked up there first: a notice
        names its asset, and that asset's model steers the search likewise.
        """
        started = time.perf_counter()
        turn = AnswerTurn(
            on_event, cancel or threading.Event(), tracer or TurnTracer("ask")
        )
        on_event(AnswerEvent("progress", "searching the knowledge base"))
        with turn.tracer.span(RETRIEVAL, edge__query=question) as span:
            understood = self._store.understand(question)
            serials = (
                look_up_serials(understood.readings, self._jobs)
                if self._jobs is not None
                else SerialLookup()
            )
            # The asset a serial number names steers the search, as a job's.
            steering = equipment if equipment.strip() else serials.model
            understood = self._steered(question, understood, steering)
            mentions = code_mentions(understood)
            hits = (
                []
                if mentions.found
                else self._store.search(
                    question, limit=RETRIEVED_CHUNKS, understood=understood
                )
            )
            span.set(
                edge__codes_found=len(mentions.found),
                edge__codes_absent=",".join(code.value for code in mentions.absent),
                edge__codes_corrected=",".join(
                    f"{code.typed}->{code.value}" for code in mentions.corrected
                ),
                edge__alternatives="; ".join(understood.understanding.describe()),
                edge__intent=understood.intent.value,
                edge__equipment=equipment,
                edge__hits=len(hits),
                edge__chunk_ids=",".join(h.chunk_id for h in hits),
            )
        absent = tuple(self._codes.absent(code) for code in mentions.absent)
        notices = (
            *serials.notices,
            *(correction_notice(code) for code in mentions.corrected),
            *(code.notice for code in absent),
        )
        for notice in notices:
            on_event(AnswerEvent("notice", notice))
        if mentions.found:
            answer = self._codes.answer(question, mentions.found, notices, turn)
        elif absent and not understood.understanding.words:
            # Only codes the KB does not list: that is the whole answer.
            answer = Answer(question=question, route=Route.NOT_FOUND, notices=notices)
        else:
            answer = self._texts.answer(question, understood, hits, notices, turn)
        timings = {**answer.timings, "total_ms": ms_since(started)}
        return replace(answer, absent=absent, timings=timings)

    def _steered(
        self, question: str, understood: UnderstoodQuery, equipment: str
    ) -> UnderstoodQuery:
        """``understood`` with the model of ``equipment`` added to its codes
        when the question names no model of its own."""
        names_a_model = any(
            r.code.kind is CodeKind.MODEL_NUMBER for r in understood.readings
        )
        if not equipment.strip() or names_a_model:
            return understood
        # The equipment's model joins the search, never the codes to answer:
        # only a model number is taken from it.
        with_equipment = self._store.understand(f"{question} {equipment}")
        models = tuple(
            r
            for r in with_equipment.readings
            if r.code.kind is CodeKind.MODEL_NUMBER and r.code.start >= len(question)
        )
        if not models:
            return understood
        return replace(
            understood,
            readings=understood.readings + models,
            code_keys=understood.code_keys + tuple(r.code.key for r in models),
        )
