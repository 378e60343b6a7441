"""The model's explanation around an answer's quotes: the model waited for,
prompted within its budget, and only its grounded sentences kept; a mostly
unsupported explanation is withdrawn, leaving the quotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from edge_agent.answer.answer_turn import AnswerTurn, ms_since
from edge_agent.answer.budgets import AnswerSettings
from edge_agent.answer.citations import citations
from edge_agent.answer.grounding import GroundingContext, SentenceVerdict, Source
from edge_agent.answer.prompting import build_prompt
from edge_agent.answer.sentence_checks import checked_sentences
from edge_agent.answer.values import Answer, AnswerEvent, Unsupported
from edge_agent.errors import ModelNotReleased
from edge_agent.llm import (
    ChatModel,
    Completion,
    GenerationLimits,
    ModelLoader,
    ModelState,
)
from edge_agent.tracing import CHAT, MODEL_REFUSED
from knowledge_cache import (
    KnowledgeStore,
    SearchHit,
    code_key,
    code_keys_in_text,
    compile_formats,
)

WITHDRAWN_NOTICE = (
    "The model's explanation did not match the sources; showing quotes only."
)


class Explainer:
    """Adds the local model's checked explanation to an answer, if a model
    is there."""

    def __init__(
        self,
        store: KnowledgeStore,
        model: ModelLoader | None,
        settings: AnswerSettings,
    ) -> None:
        self._store = store
        self._model = model
        self._settings = settings

    @property
    def explains_answers(self) -> bool:
        """Whether answers found by search get the model's explanation."""
        return self._settings.explain_answers

    def loaded_model(self, turn: AnswerTurn) -> ChatModel | None:
        """The model, waiting for it to load unless the turn is cancelled."""
        if self._model is None:
            return None
        if self._model.state is ModelState.LOADING:
            turn.on_event(AnswerEvent("progress", "waiting for the model to load"))
        return self._model.wait(self._settings.model_wait_seconds, turn.cancel)

    def explained(
        self,
        answer: Answer,
        hits: Sequence[SearchHit],
        model: ChatModel | None,
        waited: float,
        turn: AnswerTurn,
    ) -> Answer:
        """``answer`` with the model's sentences about ``hits`` that pass the
        grounding check; without a model, with a notice saying why."""
        on_event = turn.on_event
        if model is None and turn.cancel.is_set():
            return answer
        if model is None:
            notice = self._model_notice()
            on_event(AnswerEvent("notice", notice))
            self._trace_refused(turn)
            return replace(answer, notices=(*answer.notices, notice))
        on_event(AnswerEvent("progress", "generating"))
        settings = self._settings
        prompt = build_prompt(
            answer.question,
            hits,
            count_tokens=model.count_tokens,
            context_tokens=min(
                settings.context_tokens, settings.prompt_tokens + settings.max_tokens
            ),
            answer_tokens=settings.max_tokens,
        )
        context = GroundingContext(
            sources=prompt.sources,
            code_meanings=self._meanings(prompt.sources),
            code_patterns=compile_formats(self._store.code_formats()),
            shown=(answer.question, *(fact.text for fact in answer.facts)),
        )
        limits = GenerationLimits(
            settings.max_tokens, settings.max_seconds, turn.cancel
        )
        completion = Completion()
        with turn.tracer.span(
            CHAT,
            gen_ai__operation__name="chat",
            gen_ai__request__model=model.model_id,
            gen_ai__request__max_tokens=settings.max_tokens,
            **self._model_file(),
        ) as span:
            verdicts = list(
                checked_sentences(
                    model.stream(prompt.messages, limits, completion), context, on_event
                )
            )
            span.set(
                gen_ai__usage__input_tokens=completion.prompt_tokens,
                gen_ai__usage__output_tokens=completion.completion_tokens,
                edge__sentences_kept=sum(v.supported for v in verdicts),
                edge__sentences_dropped=sum(
                    not v.supported and not v.redundant for v in verdicts
                ),
                edge__sentences_redundant=sum(v.redundant for v in verdicts),
            )
        return self._with_model_text(answer, verdicts, completion, model, waited)

    def _model_file(self) -> dict[str, str]:
        """The model file's name and SHA-256 as trace attributes, when known."""
        identity = None if self._model is None else self._model.identity
        if identity is None:
            return {}
        return {
            "edge__model__file": identity.name,
            "edge__model__sha256": identity.sha256,
        }

    def _trace_refused(self, turn: AnswerTurn) -> None:
        """A span saying which model file was refused, when one was."""
        if self._model is not None and isinstance(self._model.error, ModelNotReleased):
            with turn.tracer.span(MODEL_REFUSED, **self._model_file()):
                pass

    def _model_notice(self) -> str:
        if self._model is None:
            return "No local model: answering with quotes from the knowledge base."
        if self._model.error is not None:
            return (
                f"Model unavailable ({self._model.error.message}) Answering with "
                "quotes from the knowledge base."
            )
        return "The model is still loading: answering with quotes for now."

    def _meanings(self, sources: Sequence[Source]) -> dict[str, str]:
        text = " ".join(source.text for source in sources)
        keys = code_keys_in_text(text)
        entries = self._store.lookup_code(" ".join(sorted(keys))) if keys else []
        return {code_key(entry.code): entry.description for entry in entries}

    def _with_model_text(
        self,
        answer: Answer,
        verdicts: Sequence[SentenceVerdict],
        completion: Completion,
        model: ChatModel,
        waited: float,
    ) -> Answer:
        kept = [v for v in verdicts if v.supported]
        unsupported = tuple(
            Unsupported(v.sentence, v.problems)
            for v in verdicts
            if not v.supported and not v.redundant
        )
        judged = [v for v in verdicts if not v.redundant]
        mostly_unsupported = not kept or len(kept) * 2 < len(judged)
        notices = answer.notices
        if judged and mostly_unsupported:
            notices = (*notices, WITHDRAWN_NOTICE)
        if completion.stop_reason in ("max_seconds", "cancelled"):
            reason = completion.stop_reason.replace("_", " ")
            notices = (*notices, f"The model stopped early ({reason}).")
        cited = [chunk for v in kept for chunk in v.cited]
        return replace(
            answer,
            model_sentences=tuple(v.sentence for v in kept),
            unsupported=unsupported,
            extractive=mostly_unsupported,
            citations=answer.citations
            + tuple(
                c for c in citations(self._store, cited) if c not in answer.citations
            ),
            notices=notices,
            model_id=model.model_id,
            tokens={
                "prompt": completion.prompt_tokens,
                "completion": completion.completion_tokens,
            },
            timings={
                "model_ms": ms_since(waited),
                "first_token_ms": round(
                    (completion.first_token_seconds or 0.0) * 1000, 2
                ),
                "generation_ms": round(completion.seconds * 1000, 2),
            },
        )
