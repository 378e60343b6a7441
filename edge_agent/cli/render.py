"""Plain-text rendering of knowledge-base results for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from knowledge_cache import (
    CodeFormat,
    IngestReport,
    IngestStatus,
    KbStats,
    LearnedFormat,
    SearchHit,
    VectorCounts,
)


def hit_to_json(hit: SearchHit) -> dict[str, Any]:
    chunk = hit.chunk
    return {
        "chunk_id": chunk.chunk_id,
        "document": chunk.document_id,
        "title": chunk.title,
        "section": chunk.section,
        "page": chunk.page,
        "text": chunk.text,
        "snippet": hit.snippet,
        "score": hit.score,
        "match": hit.match,
    }


def render_hits(hits: Sequence[SearchHit]) -> str:
    if not hits:
        return "No matches in the knowledge base."
    lines = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        where = " > ".join(p for p in (chunk.title, chunk.section) if p)
        page = f", page {chunk.page}" if chunk.page else ""
        tag = "exact code" if hit.match == "code" else f"score {hit.score:.2f}"
        lines.append(f"{rank}. {where}")
        lines.append(f"   [{chunk.chunk_id}{page}; {tag}]")
        lines.append(f"   {hit.snippet}")
    return "\n".join(lines)


def render_report(report: IngestReport) -> str:
    counts = ", ".join(
        f"{report.count(status)} {status.value}"
        for status in IngestStatus
        if report.count(status)
    )
    lines = [
        f"{len(report.outcomes)} file(s): {counts or 'nothing to do'}; "
        f"{report.chunks_written} chunk(s) written. KB version {report.version}."
    ]
    for outcome in report.outcomes:
        lines.extend(f"  warning: {outcome.document_id}: {w}" for w in outcome.warnings)
    lines.extend(f"  failed: {outcome.message}" for outcome in report.failed)
    return "\n".join(lines)


def stats_to_json(stats: KbStats, path: str) -> dict[str, Any]:
    return {
        "name": stats.name,
        "version": stats.version,
        "documents": stats.documents,
        "chunks": stats.chunks,
        "codes": stats.codes,
        "size_bytes": stats.size_bytes,
        "documents_by_kind": dict(stats.documents_by_kind),
        "vectors": {
            "model": stats.vector_model,
            "chunks_with_vectors": stats.chunks_with_vectors,
        },
        "code_formats": [_format_json(stats, fmt) for fmt in _all_formats(stats)],
        "path": path,
    }


def _all_formats(stats: KbStats) -> list[CodeFormat | LearnedFormat]:
    return [*stats.declared_formats, *stats.learned_formats]


def _format_json(stats: KbStats, item: CodeFormat | LearnedFormat) -> dict[str, Any]:
    if isinstance(item, CodeFormat):
        fmt, source, codes, why = item, "kb.toml", None, ""
    else:
        fmt, source, codes = item.format, item.document_id, item.count
        why = _why_not_used(stats, item)
    return {
        "kind": fmt.kind.value,
        "pattern": fmt.pattern,
        "example": fmt.example,
        "source": source,
        "codes": codes,
        "in_use": fmt in stats.formats_in_use,
        "why_not_used": why,
    }


def _why_not_used(stats: KbStats, item: LearnedFormat) -> str:
    if item.format in stats.formats_in_use:
        return ""
    if item.loose:
        return item.loose
    return f"kb.toml declares the {item.format.kind.value} formats"


def _format_lines(stats: KbStats) -> list[str]:
    if not (stats.declared_formats or stats.learned_formats):
        return ["Code formats: none (no code table, and no kb.toml declares any)"]
    lines = ["Code formats:"]
    for fmt in stats.declared_formats:
        lines.append(
            f"  {fmt.kind.value:<14} {fmt.pattern}  e.g. {fmt.example or '-'}"
            "  (declared in kb.toml)"
        )
    for item in stats.learned_formats:
        fmt = item.format
        why = _why_not_used(stats, item)
        lines.append(
            f"  {fmt.kind.value:<14} {fmt.pattern}  e.g. {fmt.example}  "
            f"(learned from {item.count} codes of {item.document_id}"
            + (f"; not used: {why})" if why else ")")
        )
    if any(item.loose for item in stats.learned_formats):
        lines.append(
            "  A format not used everywhere still finds its listed codes by exact "
            "lookup, and reads other codes right after a word such as 'alarm', "
            "'error' or 'code' (in questions and photos), or typed with a "
            "look-alike letter (53O2). If such values are always codes where you "
            "work, declare the format in the knowledge base's kb.toml "
            "([[code_formats]] with kind and pattern) to read them everywhere."
        )
    return lines


def render_stats(stats: KbStats, path: str) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in stats.documents_by_kind.items())
    return "\n".join(
        [
            f"Knowledge base: {stats.name or '(unnamed)'} at {path}",
            f"Version:   {stats.version}",
            f"Documents: {stats.documents}" + (f" ({kinds})" if kinds else ""),
            f"Chunks:    {stats.chunks}",
            f"Codes:     {stats.codes}",
            f"Vectors:   {_vector_line(stats)}",
            f"On disk:   {stats.size_bytes / 2**20:.1f} MiB",
            *_format_lines(stats),
        ]
    )


def _vector_line(stats: KbStats) -> str:
    if not stats.vector_model:
        return "none (search by words only)"
    return (
        f"{stats.chunks_with_vectors} of {stats.chunks} chunks ({stats.vector_model})"
    )


def vector_notice(counts: VectorCounts) -> str:
    """What search by meaning covers, when it does not cover every chunk."""
    if counts.without_vectors == 0:
        return ""
    if counts.with_vectors == 0:
        return (
            "Search by meaning is off: no chunk has a vector "
            f"{'of ' + counts.model + ' ' if counts.model else ''}yet "
            "(ingest again to compute them); searched by words only."
        )
    return (
        f"Search by meaning covers {counts.with_vectors} of "
        f"{counts.with_vectors + counts.without_vectors} chunks; the others "
        "get their vectors on the next ingest."
    )
