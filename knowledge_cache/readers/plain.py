"""Plain text notes: paragraphs packed into chunks; the first line may be a title."""

from __future__ import annotations

from knowledge_cache.models import ChunkDraft, DocumentKind, ParsedDocument
from knowledge_cache.readers.chunking import split_text

_TITLE_MAX_CHARS = 80


def read_plain_text(text: str, fallback_title: str) -> ParsedDocument:
    """Read plain text. A short first line followed by a blank line is the title."""
    lines = text.strip().splitlines()
    title = fallback_title
    if len(lines) > 2 and not lines[1].strip() and len(lines[0]) <= _TITLE_MAX_CHARS:
        title = lines[0].strip()
        text = "\n".join(lines[2:])
    chunks = tuple(ChunkDraft(text=piece) for piece in split_text(text))
    return ParsedDocument(title=title, kind=DocumentKind.TEXT, chunks=chunks)
