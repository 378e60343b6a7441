"""How answers and readings are scored: shared by the evaluation runner and
the benchmarks, so both count a hit, an abstention or a code read alike.

- A question is a *hit at k* when one of its expected chunks is among the
  first ``k`` chunks ranked, and every expected code is named by a chunk
  among the first ``k`` (or, for more codes than ``k``, as many as there are
  codes). A code's chunks are its table rows and every chunk whose text
  names it (:func:`code_rows`): the answer shows the technician the code
  either way.
- An answer *abstains* when it says nothing answers the question (route
  ``not_found``) or that a code it names is not in the knowledge base.
- A code read from a photo counts when its kind and value both match the
  truth.
- Text is *shown* when it appears in what the technician reads, case and
  spacing aside.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from edge_agent.answer.values import Answer, Route
from knowledge_cache import KnowledgeStore, code_key, code_keys_in_text

ABSENT_NOTICE = "is not in the knowledge base"
"""What an answer's notice says of a code the knowledge base does not list."""

_SPACE = re.compile(r"\s+")


def code_rows(store: KnowledgeStore, codes: Iterable[str]) -> dict[str, set[str]]:
    """The chunks that name each code: its table rows and every chunk whose
    text holds it (the answer shows the technician the code either way)."""
    rows: dict[str, set[str]] = {}
    for code in codes:
        key = code_key(code)
        rows[code] = {
            hit.chunk_id
            for hit in store.search(code, limit=50, literal=True)
            if key in code_keys_in_text(f"{hit.chunk.section}\n{hit.chunk.text}")
        }
    return rows


def is_hit(
    ranked: Sequence[str],
    k: int,
    *,
    expected_chunks: Collection[str] = (),
    expected_codes: Sequence[str] = (),
    rows: Mapping[str, Collection[str]] | None = None,
) -> bool:
    """One expected chunk in the top ``k`` (when any is expected), and every
    expected code named by a chunk in the top ``k``, or in the top as many as
    there are codes (a code no chunk names counts as found: ``rows`` from
    :func:`code_rows`)."""
    chunks_ok = not expected_chunks or bool(set(ranked[:k]) & set(expected_chunks))
    if not expected_codes:
        return chunks_ok
    top = set(ranked[: max(k, len(expected_codes))])
    rows = rows or {}
    codes_ok = all(
        not rows.get(code) or bool(set(rows[code]) & top) for code in expected_codes
    )
    return chunks_ok and codes_ok


def answered_absent(answer: Answer) -> bool:
    """The answer says nothing answers the question, or that a code it
    names is not in the knowledge base."""
    return answer.route is Route.NOT_FOUND or any(
        ABSENT_NOTICE in notice for notice in answer.notices
    )


def normalised(text: str) -> str:
    """``text`` as compared: case folded, runs of white space made one space."""
    return _SPACE.sub(" ", text).strip().casefold()


def shows(text: str, phrase: str) -> bool:
    """Whether ``phrase`` appears in ``text``, case and spacing aside."""
    wanted = normalised(phrase)
    return bool(wanted) and wanted in normalised(text)


@dataclass(frozen=True, slots=True)
class CodeTally:
    """Codes expected on a photo against codes read from it."""

    expected: frozenset[tuple[str, str]]
    read: frozenset[tuple[str, str]]

    @property
    def found(self) -> frozenset[tuple[str, str]]:
        return self.expected & self.read

    @property
    def missed(self) -> list[tuple[str, str]]:
        return sorted(self.expected - self.read)

    @property
    def extra(self) -> list[tuple[str, str]]:
        return sorted(self.read - self.expected)


def tally_codes(
    expected: Iterable[tuple[str, str]], read: Iterable[tuple[str, str]]
) -> CodeTally:
    """Expected and read codes as ``(kind, value)`` pairs; a code counts when
    kind and value both match."""
    return CodeTally(frozenset(expected), frozenset(read))


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to three places, or ``None`` for nothing."""
    return round(part / whole, 3) if whole else None
