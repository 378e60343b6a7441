"""Answers to the codes a question names: a listed code quoted from the code
tables with its namesakes (no model call unless codes are to be explained),
an unlisted one offered its closest listed codes, a slip read named."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from edge_agent.answer.answer_turn import AnswerTurn
from edge_agent.answer.budgets import AnswerSettings
from edge_agent.answer.citations import citations
from edge_agent.answer.explanation import Explainer
from edge_agent.answer.quoting import entry_facts, namesake_facts
from edge_agent.answer.values import AbsentCode, Answer, AnswerEvent, Fact, Route
from knowledge_cache import CodeEntry, KnowledgeStore, SearchHit, TypedCode

CLOSEST_CODES = 3


class CodeAnswers:
    """Answers from the code tables, explained by the model only when the
    settings ask for it."""

    def __init__(
        self, store: KnowledgeStore, explainer: Explainer, settings: AnswerSettings
    ) -> None:
        self._store = store
        self._explainer = explainer
        self._settings = settings

    def answer(
        self,
        question: str,
        entries: Sequence[CodeEntry],
        notices: tuple[str, ...],
        turn: AnswerTurn,
    ) -> Answer:
        """The facts of each entry, each followed by its namesakes."""
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
            citations=citations(self._store, (fact.chunk_id for fact in facts)),
            notices=notices,
        )
        if not self._settings.explain_codes:
            return answer
        waited = time.perf_counter()
        model = self._explainer.loaded_model(turn)
        chunk_ids = dict.fromkeys(entry.chunk_id for entry in entries)
        hits = [
            SearchHit(self._store.chunk(chunk_id), 0.0, "", "code")
            for chunk_id in chunk_ids
        ]
        return replace(
            self._explainer.explained(answer, hits, model, waited, turn),
            extractive=False,
        )

    def absent(self, code: TypedCode) -> AbsentCode:
        """A code the KB does not list, with the listed codes closest to it."""
        closest = self._store.closest_codes(code.value, code.kind, limit=CLOSEST_CODES)
        return AbsentCode(
            code=code.value,
            typed=code.typed,
            closest=tuple(
                Fact(f"{entry.code}: {entry.description}", entry.chunk_id)
                for entry in closest
            ),
        )


def correction_notice(code: TypedCode) -> str:
    """What a code typed with a slip was read as, and why."""
    return f"Read '{code.typed}' as {code.value}: {code.corrected}."
