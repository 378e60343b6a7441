"""Split a section's text into chunks of bounded size at paragraph boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_CHUNK_CHARS = 1200
"""Upper bound for a chunk's text; long sections become several chunks."""

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def split_text(text: str, limit: int = MAX_CHUNK_CHARS) -> Iterator[str]:
    """Yield pieces of ``text`` no longer than ``limit``, keeping paragraphs whole.

    Paragraphs are packed together while they fit; a paragraph longer than
    the limit is cut at sentence ends, and a sentence longer than the limit
    at white space.
    """
    current = ""
    for paragraph in _pieces(text, limit):
        if current and len(current) + 2 + len(paragraph) > limit:
            yield current
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        yield current


def _pieces(text: str, limit: int) -> Iterator[str]:
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= limit:
            yield paragraph
            continue
        yield from _pack(_SENTENCE_END.split(paragraph), limit, " ")


def _pack(parts: list[str], limit: int, joiner: str) -> Iterator[str]:
    current = ""
    for part in parts:
        if len(part) > limit:
            if current:
                yield current
                current = ""
            yield from _hard_wrap(part, limit)
            continue
        if current and len(current) + len(joiner) + len(part) > limit:
            yield current
            current = ""
        current = f"{current}{joiner}{part}" if current else part
    if current:
        yield current


def _hard_wrap(text: str, limit: int) -> Iterator[str]:
    words = text.split()
    if all(len(word) <= limit for word in words):
        yield from _pack(words, limit, " ")
        return
    for start in range(0, len(text), limit):
        yield text[start : start + limit]
