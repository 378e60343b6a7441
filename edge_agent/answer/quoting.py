"""Which lines of the knowledge base an answer quotes, word for word.

A code-table entry is quoted whole: its code and meaning, then its fields.
From a retrieved chunk, the lines that name a serial number of the question
come first, then its numbered steps or the lines holding the question's
words; wrapped lines (PDF pages break sentences at each printed line) are
joined back first.
"""

from __future__ import annotations

import re

from edge_agent.answer.directives import addresses_the_assistant
from edge_agent.answer.values import Fact
from knowledge_cache import (
    CodeEntry,
    CodeKind,
    Namesakes,
    SearchHit,
    UnderstoodQuery,
    code_keys_in_text,
)

QUOTED_LINES_PER_CHUNK = 4
_NUMBERED_STEP = re.compile(r"^\s*\d+[.)]\s")
_LINE_ENDS = (".", ":", ";", "!", "?", "|")
_FIELD = re.compile(r"^\w[\w ./-]{0,30}:\s")
_WORD = re.compile(r"\w+")


def entry_facts(entry: CodeEntry) -> list[Fact]:
    facts = [Fact(f"{entry.code}: {entry.description}", entry.chunk_id)]
    facts.extend(
        Fact(f"{name.replace('_', ' ')}: {value}", entry.chunk_id)
        for name, value in entry.attributes.items()
        if value and value != entry.description
    )
    return facts


def namesake_facts(namesakes: Namesakes) -> list[Fact]:
    """One line per code listed with the same text, then one per related code
    with its own text (claiming nothing about what it means), each cited to
    its own row."""
    same = [
        Fact(f"Listed with the same text: {_with_equipment(e)}", e.chunk_id)
        for e in namesakes.same_text
    ]
    related = [
        Fact(f"Related code {_with_equipment(e)}: {e.description}", e.chunk_id)
        for e in namesakes.related
    ]
    return same + related


def _with_equipment(entry: CodeEntry) -> str:
    equipment = entry.attributes.get("equipment", "")
    return f"{entry.code} ({equipment})" if equipment else entry.code


def quotes(understood: UnderstoodQuery, hit: SearchHit) -> list[Fact]:
    """Lines worth quoting: those naming a serial number of the question,
    then numbered steps, or lines with the question's words or their
    alternatives."""
    lines = [
        line
        for line in logical_lines(hit.chunk.text)
        if not addresses_the_assistant(line)
    ]
    serials = {
        r.code.key for r in understood.readings if r.code.kind is CodeKind.SERIAL_NUMBER
    }
    naming = [line for line in lines if serials & code_keys_in_text(line)]
    steps = [line for line in lines if _NUMBERED_STEP.match(line)]
    understanding = understood.understanding
    searched = [
        *understanding.words,
        *(a.text for found in understanding.alternatives.values() for a in found),
    ]
    stems = {
        w.lower()[:5] for text in searched for w in _WORD.findall(text) if len(w) > 3
    }
    matching = [
        line for line in lines if stems & {w.lower()[:5] for w in _WORD.findall(line)}
    ]
    chosen = (
        steps or matching[:QUOTED_LINES_PER_CHUNK] or lines[:QUOTED_LINES_PER_CHUNK]
    )
    chosen = [*naming, *(line for line in chosen if line not in naming)]
    section = hit.chunk.section
    if (
        lines
        and section
        and lines[0].startswith(f"{section}:")
        and lines[0] not in chosen
    ):
        chosen = [lines[0], *chosen]  # a code table row: its code and meaning first
    return [Fact(line, hit.chunk.chunk_id) for line in chosen]


def logical_lines(text: str) -> list[str]:
    """The text's lines with wrapped ones joined back (PDF pages break
    sentences at the end of each printed line): a line continues the one
    before it unless that one ends a sentence, or it starts a numbered step,
    a list item, a table row or a "field: value" line of a code table."""
    joined: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        starts_anew = (
            _NUMBERED_STEP.match(line)
            or _FIELD.match(line)
            or line.startswith(("-", "*", "|", "#"))
        )
        if joined and not starts_anew and not joined[-1].endswith(_LINE_ENDS):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined
