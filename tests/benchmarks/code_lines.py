"""Which lines of an answer give a code a text that is not its own.

A line cited to a code-table row may be a line of that row, word for word;
``Related code CODE (...): text`` where CODE is the row's code and text its
own; or ``Listed with the same text: CODE (...)`` where the row's text is the
answered code's text, case and spacing aside. Any other line cited to a row
claims something of that code that its row does not say.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from edge_agent.answer.values import Answer, Fact
from knowledge_cache import CodeEntry, KnowledgeStore, NotFound

_SAME = re.compile(r"^Listed with the same text: (?P<code>.+?)(?: \([^)]*\))?$")
_RELATED = re.compile(r"^Related code (?P<code>.+?)(?: \([^)]*\))?: (?P<text>.*)$")


def answer_facts(answer: Answer) -> list[Fact]:
    """Every fact line of an answer, the closest codes of absent ones too."""
    return [*answer.facts, *(f for a in answer.absent for f in a.closest)]


def misattributed_lines(store: KnowledgeStore, facts: Sequence[Fact]) -> list[str]:
    """The lines of ``facts`` that give a code a text not its own."""
    rows = _rows(store, {fact.chunk_id for fact in facts})
    answered = ""
    wrong = []
    for fact in facts:
        entry = rows.get(fact.chunk_id)
        if entry is None:
            continue  # a manual's line, quoted from its chunk
        own_lines = store.chunk(fact.chunk_id).text.splitlines()
        if fact.text == own_lines[0]:
            answered = entry.description
        if not _faithful(fact.text, entry, own_lines, answered):
            wrong.append(fact.text)
    return wrong


def _faithful(
    line: str, entry: CodeEntry, own_lines: Sequence[str], answered: str
) -> bool:
    if line in own_lines:
        return True
    if related := _RELATED.match(line):
        return related["code"] == entry.code and related["text"] == entry.description
    if same := _SAME.match(line):
        return same["code"] == entry.code and _normal(entry.description) == _normal(
            answered
        )
    return False


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _rows(store: KnowledgeStore, chunk_ids: set[str]) -> dict[str, CodeEntry]:
    rows = {}
    for chunk_id in chunk_ids:
        try:
            chunk = store.chunk(chunk_id)
        except NotFound:
            continue
        for entry in store.lookup_code(chunk.section):
            if entry.chunk_id == chunk_id:
                rows[chunk_id] = entry
    return rows
