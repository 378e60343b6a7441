"""Codes read from a photo, looked up in the knowledge base.

The exact lookup in the KB's code tables comes first; only when it finds
nothing does a search supply citations: the chunks that spell the code, e.g.
the manual sections that name a model. Fault codes and part numbers live
in tables, so for them "not in the knowledge base" is decided by the table.
"""

from __future__ import annotations

import re

from edge_agent.errors import CorrectionInvalid
from edge_agent.ocr.extraction import FoundCode
from edge_agent.ocr.results import CodeLookup, ReadCode
from knowledge_cache import (
    DASHES,
    TABLE_KINDS,
    CodeKind,
    FormatSet,
    KnowledgeStore,
    SearchHit,
    code_key,
    code_keys_in_text,
)

SEARCH_LIMIT = 3
"""Most search hits kept for a code the tables do not list."""

KNOWN_WEIGHT = 0.5
"""Share of the remaining doubt kept when the KB's table lists a code."""

UNKNOWN_FACTOR = 0.9
"""Confidence kept when a table code (fault code, part number) is not listed."""


_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)*")
"""A code of digits, in dotted groups or not (``5298``, ``13.2``)."""


def lookup_code(store: KnowledgeStore, kind: CodeKind, value: str) -> CodeLookup:
    """Look ``value`` up: exact table rows first, else chunks naming the code."""
    key = code_key(value)
    entries = tuple(e for e in store.lookup_code(value) if _same_code(e.code, value))
    if entries:
        return CodeLookup(kind, value, entries=entries)
    # Literal: only chunks that spell the code count, so reading the value
    # as a question (slips, glossary alternatives) could add nothing.
    found = store.search(value, limit=SEARCH_LIMIT, literal=True)
    hits = tuple(hit for hit in found if _names(hit, key))
    return CodeLookup(kind, value, hits=hits)


def _same_code(listed: str, read: str) -> bool:
    """The listed code is the one read: the same key (``E42`` is ``E-42``),
    and spelled alike where both are plain numbers (``21`` is not ``2.1``)."""
    if _PLAIN_NUMBER.fullmatch(listed) and _PLAIN_NUMBER.fullmatch(read):
        return listed == read
    return code_key(listed) == code_key(read)


def _names(hit: SearchHit, key: str) -> bool:
    """The hit spells the code itself, not merely words that look alike."""
    chunk = hit.chunk
    return key in code_keys_in_text(f"{chunk.title} {chunk.section} {chunk.text}")


def checked(code: FoundCode, lookup: CodeLookup) -> ReadCode:
    """``code`` with the lookup's verdict folded into its confidence.

    A listed code raises a sure reading's confidence, never an unsure one's:
    a code read with low confidence keeps its mark whatever the lookup says.
    """
    confidence, notes = code.confidence, list(code.notes)
    if code.kind in TABLE_KINDS and code.matches_format:
        if lookup.known and code.low_confidence:
            # A poor reading of one listed code may well be another listed
            # code (E-48 for E-42): being listed does not make it certain.
            notes.append("listed in the knowledge base, but read with low confidence")
        elif lookup.known:
            confidence = 1 - (1 - confidence) * KNOWN_WEIGHT
        else:
            confidence *= UNKNOWN_FACTOR
            notes.append("not in the knowledge base's code table")
    return ReadCode(
        kind=code.kind,
        value=code.value,
        confidence=round(confidence, 4),
        box=code.box,
        known=lookup.known,
        raw=code.raw,
        label=code.label,
        notes=tuple(notes),
        matches_format=code.matches_format,
        line_box=code.line_box,
    )


def correct_code(
    store: KnowledgeStore,
    formats: FormatSet,
    typed: str,
    *,
    original: ReadCode | None = None,
    kind: CodeKind | None = None,
) -> tuple[ReadCode, CodeLookup]:
    """A code typed by the technician, looked up and marked as corrected.

    The typed text is matched against the KB's formats as typed (separators
    may be left out, letters and digits are not swapped); the kind comes from
    the format, else from ``kind`` or the ``original`` reading.

    Raises:
        CorrectionInvalid: nothing was typed, or its kind cannot be told.
    """
    text = " ".join(typed.split())
    prefer = kind or (original.kind if original else None)
    match = formats.match(text, max_fixes=0, prefer=prefer) if text else None
    if match is not None:
        code_kind, value, matches = match.kind, match.value, True
    elif text and prefer is not None:
        code_kind, value, matches = prefer, text.translate(DASHES).upper(), False
    else:
        raise CorrectionInvalid(
            f"'{typed}' does not look like any code the knowledge base declares; "
            "type it as printed, e.g. E-42 or 4471-A20-339."
        )
    lookup = lookup_code(store, code_kind, value)
    corrected = ReadCode(
        kind=code_kind,
        value=value,
        confidence=1.0,
        box=original.box if original else None,
        line_box=original.line_box if original else None,
        known=lookup.known,
        raw=typed,
        label=original.label if original else "",
        notes=("corrected by hand",),
        matches_format=matches,
        corrected_from=original.value if original else "",
    )
    return corrected, lookup
