"""One technician question to one answer, by the lightest route that can.

1. Codes named in the question: exact lookup, no model call.
2. Otherwise retrieval; nothing relevant: say so and offer the closest entries.
3. Relevant chunks: quote them, then let the model explain around the quotes;
   each model sentence is shown only if it passes the grounding check, and a
   mostly unsupported explanation is withdrawn (the answer stays extractive).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from edge_agent.answer.grounding import (
    GroundingContext,
    SentenceVerdict,
    Source,
    check_sentence,
    split_sentences,
)
from edge_agent.answer.prompting import build_prompt
from edge_agent.answer.quoting import entry_facts, namesake_facts, quotes
from edge_agent.answer.routing import code_mentions
from edge_agent.answer.serials import SerialLookup, look_up_serials
from edge_agent.answer.values import (
    AbsentCode,
    Answer,
    AnswerEvent,
    Citation,
    Fact,
    Route,
    Unsupported,
)
from edge_agent.config import EdgeSettings
from edge_agent.jobs import JobBook
from edge_agent.llm import (
    ChatModel,
    Completion,
    GenerationLimits,
    ModelLoader,
    ModelState,
)
from edge_agent.tracing import CHAT, RETRIEVAL, TurnTracer
from knowledge_cache import (
    CodeEntry,
    CodeKind,
    KnowledgeStore,
    SearchHit,
    TypedCode,
    UnderstoodQuery,
    code_key,
    code_keys_in_text,
    compile_formats,
    relevant_hits,
)
from policies import Budgets

EventSink = Callable[[AnswerEvent], None]

WITHDRAWN_NOTICE = (
    "The model's explanation did not match the sources; showing quotes only."
)
LOOP_LIMIT = 2
RETRIEVED_CHUNKS = 5
QUOTED_CHUNKS = 2
CLOSEST_CODES = 3
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """Budgets for answers (the policy may lower them)."""

    max_tokens: int = 160
    max_seconds: float = 20.0
    context_tokens: int = 2048
    prompt_tokens: int = 480
    """Budget for the prompt: a short prompt keeps the first token fast."""
    explain_codes: bool = False
    model_wait_seconds: float | None = None


def answer_settings(settings: EdgeSettings, budgets: Budgets | None) -> AnswerSettings:
    """The answer budgets: the settings, capped by the policy's budgets."""
    max_tokens = settings.answer_max_tokens
    max_seconds = settings.answer_max_seconds
    if budgets is not None:
        max_tokens = min(max_tokens, budgets.answer_max_tokens)
        max_seconds = min(max_seconds, budgets.answer_timeout_ms / 1000)
    return AnswerSettings(
        max_tokens=max_tokens,
        max_seconds=max_seconds,
        context_tokens=settings.model_context_tokens,
        explain_codes=settings.explain_codes,
    )


def _ignore(_event: AnswerEvent) -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Turn:
    """What one question's answering passes along: where events go, the cancel
    switch and the turn's tracer."""

    on_event: EventSink
    cancel: threading.Event
    tracer: TurnTracer


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
        self._model = model
        self._settings = settings or AnswerSettings()
        self._jobs = jobs

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
        turn = _Turn(on_event, cancel or threading.Event(), tracer or TurnTracer("ask"))
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
        absent = tuple(self._absent(code) for code in mentions.absent)
        notices = (
            *serials.notices,
            *(_correction_notice(code) for code in mentions.corrected),
            *(code.notice for code in absent),
        )
        for notice in notices:
            on_event(AnswerEvent("notice", notice))
        if mentions.found:
            answer = self._code_answer(question, mentions.found, notices, turn)
        elif absent and not understood.understanding.words:
            # Only codes the KB does not list: that is the whole answer.
            answer = Answer(question=question, route=Route.NOT_FOUND, notices=notices)
        else:
            answer = self._text_answer(question, understood, hits, notices, turn)
        timings = {**answer.timings, "total_ms": _ms_since(started)}
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

    def _absent(self, code: TypedCode) -> AbsentCode:
        closest = self._store.closest_codes(code.value, code.kind, limit=CLOSEST_CODES)
        return AbsentCode(
            code=code.value,
            typed=code.typed,
            closest=tuple(
                Fact(f"{entry.code}: {entry.description}", entry.chunk_id)
                for entry in closest
            ),
        )

    def _code_answer(
        self,
        question: str,
        entries: Sequence[CodeEntry],
        notices: tuple[str, ...],
        turn: _Turn,
    ) -> Answer:
        facts: list[Fact] = []
        listed = {entry.code for entry in entries}
        for entry in entries:
            # Each code's namesakes right under it: "the same text" is its text.
            namesakes = self._store.namesakes(entry).only(
                lambda e: e.code not in listed
            )
            facts.extend([*entry_facts(entry), *namesake_facts(namesakes)])
            listed.update(e.code for e in namesakes.entries)
        for fact in facts:
            turn.on_event(AnswerEvent("fact", fact.text, fact.chunk_id))
        answer = Answer(
            question=question,
            route=Route.CODE_LOOKUP,
            facts=tuple(facts),
            citations=self._citations(fact.chunk_id for fact in facts),
            notices=notices,
        )
        if not self._settings.explain_codes:
            return answer
        waited = time.perf_counter()
        model = self._loaded_model(turn)
        chunk_ids = dict.fromkeys(entry.chunk_id for entry in entries)
        hits = [
            SearchHit(self._store.chunk(chunk_id), 0.0, "", "code")
            for chunk_id in chunk_ids
        ]
        return replace(
            self._explained(answer, hits, model, waited, turn), extractive=False
        )

    def _text_answer(
        self,
        question: str,
        understood: UnderstoodQuery,
        hits: Sequence[SearchHit],
        notices: tuple[str, ...],
        turn: _Turn,
    ) -> Answer:
        on_event = turn.on_event
        relevant = relevant_hits(understood, hits)
        if not relevant:
            notice = (
                "Nothing in the knowledge base answers this. The closest entries "
                "are listed below; to look further, search the manuals "
                "(edge-agent kb search WORDS)."
                if hits
                else "Nothing in the knowledge base answers this."
            )
            on_event(AnswerEvent("notice", notice))
            return Answer(
                question=question,
                route=Route.NOT_FOUND,
                closest=tuple(_citation(hit) for hit in hits[:3]),
                notices=(*notices, notice),
            )
        facts = self._quoted_facts(understood, relevant[:QUOTED_CHUNKS])
        # Wait for the model before printing anything: loading it redirects the
        # process's stdout and stderr for a moment (llama.cpp's quiet mode).
        waited = time.perf_counter()
        model = self._loaded_model(turn)
        for fact in facts:
            on_event(AnswerEvent("fact", fact.text, fact.chunk_id))
        answer = Answer(
            question=question,
            route=Route.RETRIEVAL,
            facts=tuple(facts),
            extractive=True,
            citations=self._citations(fact.chunk_id for fact in facts),
            notices=notices,
        )
        return self._explained(answer, relevant, model, waited, turn)

    def _quoted_facts(
        self, understood: UnderstoodQuery, hits: Sequence[SearchHit]
    ) -> list[Fact]:
        """Each hit's quoted lines, a code-table row's followed by its own
        near duplicates (so "listed with the same text" follows the row it
        is said of)."""
        lines = [quotes(understood, hit) for hit in hits]
        quoted = {fact.chunk_id for own in lines for fact in own}
        facts: list[Fact] = []
        for hit, own in zip(hits, lines, strict=True):
            facts.extend(own)
            facts.extend(self._near_duplicates(hit, quoted))
        return facts

    def _near_duplicates(self, hit: SearchHit, quoted: set[str]) -> list[Fact]:
        """For a code-table row, the codes listed with the same text and the
        related ones, so the technician sees the choice; none already
        ``quoted`` (which gains those listed)."""
        found = []
        for entry in self._store.lookup_code(hit.chunk.section):
            if entry.chunk_id != hit.chunk_id:
                continue
            namesakes = self._store.namesakes(entry).only(
                lambda e: e.chunk_id not in quoted
            )
            found.extend(namesake_facts(namesakes))
            quoted.update(e.chunk_id for e in namesakes.entries)
        return found

    def _explained(
        self,
        answer: Answer,
        hits: Sequence[SearchHit],
        model: ChatModel | None,
        waited: float,
        turn: _Turn,
    ) -> Answer:
        on_event = turn.on_event
        if model is None and turn.cancel.is_set():
            return answer
        if model is None:
            notice = self._model_notice()
            on_event(AnswerEvent("notice", notice))
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
        ) as span:
            verdicts = list(
                _checked_sentences(
                    model.stream(prompt.messages, limits, completion), context, on_event
                )
            )
            span.set(
                gen_ai__usage__input_tokens=completion.prompt_tokens,
                gen_ai__usage__output_tokens=completion.completion_tokens,
                edge__sentences_kept=sum(v.supported for v in verdicts),
                edge__sentences_dropped=sum(not v.supported for v in verdicts),
            )
        return self._with_model_text(answer, verdicts, completion, model, waited)

    def _loaded_model(self, turn: _Turn) -> ChatModel | None:
        """The model, waiting for it to load unless the turn is cancelled."""
        if self._model is None:
            return None
        if self._model.state is ModelState.LOADING:
            turn.on_event(AnswerEvent("progress", "waiting for the model to load"))
        return self._model.wait(self._settings.model_wait_seconds, turn.cancel)

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

    def _citations(self, chunk_ids: Iterable[str]) -> tuple[Citation, ...]:
        citations = []
        for chunk_id in dict.fromkeys(chunk_ids):
            chunk = self._store.chunk(chunk_id)
            citations.append(
                Citation(chunk_id, chunk.document_id, chunk.section, chunk.page)
            )
        return tuple(citations)

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
            Unsupported(v.sentence, v.problems) for v in verdicts if not v.supported
        )
        mostly_unsupported = not kept or len(kept) * 2 < len(verdicts)
        notices = answer.notices
        if verdicts and mostly_unsupported:
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
            + tuple(c for c in self._citations(cited) if c not in answer.citations),
            notices=notices,
            model_id=model.model_id,
            tokens={
                "prompt": completion.prompt_tokens,
                "completion": completion.completion_tokens,
            },
            timings={
                "model_ms": _ms_since(waited),
                "first_token_ms": round(
                    (completion.first_token_seconds or 0.0) * 1000, 2
                ),
                "generation_ms": round(completion.seconds * 1000, 2),
            },
        )


def _checked_sentences(
    pieces: Iterator[str], context: GroundingContext, on_event: EventSink
) -> Iterator[SentenceVerdict]:
    """Check the model's text sentence by sentence as it streams.

    A model caught in a loop (``LOOP_LIMIT`` repeated sentences in a row) is
    stopped: closing the stream ends generation.
    """
    buffer = ""
    kept: list[str] = []
    repeats = 0
    for piece in pieces:
        buffer += piece
        *complete, buffer = _split_keep_tail(buffer)
        for sentence in complete:
            verdict = _emit(check_sentence(sentence, context, kept), kept, on_event)
            yield verdict
            repeats = repeats + 1 if _is_repeat(verdict) else 0
            if repeats >= LOOP_LIMIT:
                return
    for sentence in split_sentences(buffer):
        verdict = check_sentence(sentence, context, kept)
        if not sentence.rstrip().endswith((".", "!", "?", "]")):
            verdict = replace(verdict, problems=(*verdict.problems, "unfinished"))
        yield _emit(verdict, kept, on_event)


def _is_repeat(verdict: SentenceVerdict) -> bool:
    return any(problem.startswith("repeats") for problem in verdict.problems)


def _split_keep_tail(buffer: str) -> list[str]:
    """Complete sentences of ``buffer`` followed by the unfinished rest."""
    boundaries = list(_SENTENCE_BOUNDARY.finditer(buffer))
    if not boundaries:
        return [buffer]
    cut = boundaries[-1].end()
    return [*split_sentences(buffer[:cut]), buffer[cut:]]


def _emit(
    verdict: SentenceVerdict, kept: list[str], on_event: EventSink
) -> SentenceVerdict:
    if verdict.supported:
        kept.append(verdict.sentence)
        on_event(AnswerEvent("model_sentence", verdict.sentence))
    else:
        on_event(AnswerEvent("dropped", verdict.sentence))
    return verdict


def _correction_notice(code: TypedCode) -> str:
    return f"Read '{code.typed}' as {code.value}: {code.corrected}."


def _citation(hit: SearchHit) -> Citation:
    chunk = hit.chunk
    return Citation(chunk.chunk_id, chunk.document_id, chunk.section, chunk.page)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
