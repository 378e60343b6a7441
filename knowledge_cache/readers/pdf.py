"""PDF manuals: text per page, split at numbered headings ("3.2 Fault G-305")."""

from __future__ import annotations

import io
import re

from knowledge_cache.errors import IngestError
from knowledge_cache.models import ChunkDraft, DocumentKind, ParsedDocument
from knowledge_cache.readers.chunking import split_text

MIN_PAGES_FOR_RUNNING_LINES = 3
EDGE_LINES = 2
_DIGITS = re.compile(r"\d+")
_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+([A-Z][^\n]{0,78})$")


def read_pdf(data: bytes, fallback_title: str) -> ParsedDocument:
    """Read a PDF's text layer; each chunk records its page and heading path.

    Raises:
        IngestError: the PDF is damaged, encrypted, or has no text layer.
    """
    pages = _without_running_lines(_page_texts(data))
    chunks: list[ChunkDraft] = []
    path: list[tuple[int, str]] = []
    title = ""
    for number, page_text in enumerate(pages, start=1):
        body: list[str] = []
        for line in page_text.splitlines():
            heading = _heading(line)
            if heading is None:
                body.append(line)
                continue
            chunks.extend(_chunks(body, path, number))
            body = []
            depth, name = heading
            while path and path[-1][0] >= depth:
                path.pop()
            path.append((depth, name))
        chunks.extend(_chunks(body, path, number))
        title = title or _first_line(page_text)
    if not chunks:
        raise IngestError(
            "has no text layer (a scanned PDF?); run OCR on it first or "
            "provide the text as Markdown."
        )
    return ParsedDocument(
        title=title or fallback_title, kind=DocumentKind.PDF, chunks=tuple(chunks)
    )


def _page_texts(data: bytes) -> list[str]:
    # pypdf costs a tenth of a second to import; only ingesting a PDF needs it.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IngestError("is encrypted; provide an unprotected copy.")
        return [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(
            f"is not a readable PDF ({exc}); check that the file is complete."
        ) from exc


def _without_running_lines(pages: list[str]) -> list[str]:
    """Drop running headers and footers: lines (page numbers aside) that stand
    at the top or bottom of most pages. They are not content, and as chunks of
    their own they would crowd search results."""
    if len(pages) < MIN_PAGES_FOR_RUNNING_LINES:
        return pages
    edges: dict[str, int] = {}
    for text in pages:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in {*lines[:EDGE_LINES], *lines[-EDGE_LINES:]}:
            key = _DIGITS.sub("#", line)
            edges[key] = edges.get(key, 0) + 1
    running = {key for key, count in edges.items() if count * 2 > len(pages)}
    return [
        "\n".join(
            line
            for line in text.splitlines()
            if _DIGITS.sub("#", line.strip()) not in running
        )
        for text in pages
    ]


def _heading(line: str) -> tuple[int, str] | None:
    match = _NUMBERED_HEADING.match(line.strip())
    if match is None or match.group(2).rstrip().endswith("."):
        return None
    depth = match.group(1).count(".") + 1
    return depth, f"{match.group(1)} {match.group(2).strip()}"


def _chunks(
    body: list[str], path: list[tuple[int, str]], page: int
) -> list[ChunkDraft]:
    section = tuple(name for _, name in path)
    return [
        ChunkDraft(text=piece, section=section, page=page)
        for piece in split_text("\n".join(body))
    ]


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
