"""Answers found by search: the relevant hits quoted word for word (a
code-table row followed by its namesakes), then explained by the model; when
nothing relevant is found, that is said, with the closest entries."""

from __future__ import annotations

import time
from collections.abc import Sequence

from edge_agent.answer.answer_turn import AnswerTurn
from edge_agent.answer.citations import citation, citations
from edge_agent.answer.explanation import Explainer
from edge_agent.answer.quoting import namesake_facts, quotes
from edge_agent.answer.values import Answer, AnswerEvent, Fact, Route
from knowledge_cache import KnowledgeStore, SearchHit, UnderstoodQuery, relevant_hits

QUOTED_CHUNKS = 2


class TextAnswers:
    """Answers quoted from the hits of a search, with the model's explanation."""

    def __init__(self, store: KnowledgeStore, explainer: Explainer) -> None:
        self._store = store
        self._explainer = explainer

    def answer(
        self,
        question: str,
        understood: UnderstoodQuery,
        hits: Sequence[SearchHit],
        notices: tuple[str, ...],
        turn: AnswerTurn,
    ) -> Answer:
        """Quotes from the relevant ``hits``, explained; or "nothing answers
        this" with the closest hits."""
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
                closest=tuple(citation(hit) for hit in hits[:3]),
                notices=(*notices, notice),
            )
        facts = self._quoted_facts(understood, relevant[:QUOTED_CHUNKS])
        # Wait for the model before printing anything: loading it redirects the
        # process's stdout and stderr for a moment (llama.cpp's quiet mode).
        waited = time.perf_counter()
        explaining = self._explainer.explains_answers
        model = self._explainer.loaded_model(turn) if explaining else None
        for fact in facts:
            on_event(AnswerEvent("fact", fact.text, fact.chunk_id))
        answer = Answer(
            question=question,
            route=Route.RETRIEVAL,
            facts=tuple(facts),
            extractive=True,
            citations=citations(self._store, (fact.chunk_id for fact in facts)),
            notices=notices,
        )
        if not explaining:
            return answer  # quotes only: explanations are off (explain_answers)
        return self._explainer.explained(answer, relevant, model, waited, turn)

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
