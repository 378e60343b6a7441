"""Readers turn the bytes of one source file into chunks, by file type."""

from __future__ import annotations

from pathlib import PurePosixPath

from knowledge_cache.errors import IngestError
from knowledge_cache.models import ParsedDocument
from knowledge_cache.readers.markdown import read_markdown
from knowledge_cache.readers.pdf import read_pdf
from knowledge_cache.readers.plain import read_plain_text
from knowledge_cache.readers.table import read_table

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".pdf", ".csv")

__all__ = ["SUPPORTED_SUFFIXES", "read_document"]


def read_document(name: str, data: bytes) -> ParsedDocument:
    """Read one file by its suffix.

    Raises:
        IngestError: unsupported type, empty, binary or undecodable content.
    """
    suffix = PurePosixPath(name).suffix.lower()
    fallback_title = _title_from_name(name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            f"has an unsupported type ({suffix or 'no suffix'}); "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}."
        )
    if not data.strip():
        raise IngestError("is empty; nothing to ingest.")
    if suffix == ".pdf":
        return read_pdf(data, fallback_title)
    text = _decode(data)
    if suffix == ".csv":
        return read_table(text, fallback_title)
    if suffix in (".md", ".markdown"):
        return read_markdown(text, fallback_title)
    return read_plain_text(text, fallback_title)


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise IngestError("looks binary (it holds NUL bytes), not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"is not UTF-8 text (bad byte at offset {exc.start}); "
            "save it as UTF-8 and ingest again."
        ) from exc


def _title_from_name(name: str) -> str:
    stem = PurePosixPath(name).stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or name
