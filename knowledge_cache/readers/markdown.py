"""Markdown manuals: one chunk per section (heading path), long sections split."""

from __future__ import annotations

import re

from knowledge_cache.models import ChunkDraft, DocumentKind, ParsedDocument
from knowledge_cache.readers.chunking import split_text

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def read_markdown(text: str, fallback_title: str) -> ParsedDocument:
    """Read Markdown into chunks that carry their heading path as section."""
    title = ""
    path: list[tuple[int, str]] = []
    body: list[str] = []
    chunks: list[ChunkDraft] = []
    in_fence = False

    def flush() -> None:
        section = tuple(heading for _, heading in path)
        chunks.extend(
            ChunkDraft(text=piece, section=section)
            for piece in split_text("\n".join(body))
        )
        body.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            body.append(line)
            continue
        flush()
        level, name = len(heading.group(1)), heading.group(2).strip()
        if level == 1 and not title:
            title = name
            path = []
            continue
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, name))
    flush()
    return ParsedDocument(
        title=title or fallback_title, kind=DocumentKind.MARKDOWN, chunks=tuple(chunks)
    )
