"""What reading one photo produces, and how it reads as JSON."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from edge_agent.ocr.engine import Box
from edge_agent.ocr.extraction import LOW_CONFIDENCE
from edge_agent.ocr.lines import TextLine
from knowledge_cache import TABLE_KINDS, CodeEntry, CodeKind, SearchHit


@dataclass(frozen=True, slots=True)
class ReadCode:
    """One code from a photo, checked against the knowledge base.

    Attributes:
        kind: What the code identifies.
        value: The code in its canonical spelling.
        confidence: 0 to 1, from recognition scores and checks; 1.0 when
            typed by the technician.
        box: Where the code is in the photo (full-resolution pixels), if read.
        known: The knowledge base lists the code.
        raw: The text as read (or as typed, for a correction).
        label: The printed label in front of the code, e.g. ``S/N``.
        notes: Checks behind the confidence, in plain words.
        matches_format: False for a labelled value no declared format matches.
        corrected_from: The value read before the technician corrected it.
        line_box: The box of the whole line the code was read from (photo
            pixels), if read.
    """

    kind: CodeKind
    value: str
    confidence: float
    box: Box | None
    known: bool
    raw: str
    label: str = ""
    notes: tuple[str, ...] = ()
    matches_format: bool = True
    corrected_from: str | None = None
    line_box: Box | None = None

    @property
    def corrected(self) -> bool:
        return self.corrected_from is not None

    @property
    def low_confidence(self) -> bool:
        """Uncertain: to be checked by the technician against the photo."""
        return self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True, slots=True)
class CodeLookup:
    """What the knowledge base holds about one code.

    Attributes:
        kind: The code's kind.
        value: The code looked up.
        entries: Rows of the KB's code tables for exactly this code.
        hits: Chunks that name the code, when no table row does.
    """

    kind: CodeKind
    value: str
    entries: tuple[CodeEntry, ...] = ()
    hits: tuple[SearchHit, ...] = ()

    @property
    def known(self) -> bool:
        """The KB knows the code: a table row, or (other kinds) a chunk naming it."""
        if self.kind in TABLE_KINDS:
            return bool(self.entries)
        return bool(self.entries or self.hits)

    @property
    def citations(self) -> tuple[str, ...]:
        """Chunk ids to cite, table rows first."""
        ids = [entry.chunk_id for entry in self.entries]
        ids += [hit.chunk_id for hit in self.hits]
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class OcrResult:
    """Everything read from one photo.

    Attributes:
        path: The photo's local path.
        sha256: Hex digest of the photo file, to reference it in traces.
        engine: Name of the engine that read it.
        codes: Codes in reading order, once each.
        lookups: The KB lookup of each code, in the same order.
        lines: All text lines read, in reading order (boxes in photo pixels).
        seconds: Time from opening the file to the last lookup.
        rotation: Degrees (anticlockwise) the photo was turned to read it.
        width: Width of the upright photo in pixels.
        height: Height of the upright photo in pixels.
        notices: Plain-language remarks, e.g. a time budget that ran out.
    """

    path: Path
    sha256: str
    engine: str
    codes: tuple[ReadCode, ...]
    lookups: tuple[CodeLookup, ...]
    lines: tuple[TextLine, ...]
    seconds: float
    rotation: int = 0
    width: int = 0
    height: int = 0
    notices: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """All text read, one line per line, for the technician to check."""
        return "\n".join(line.text for line in self.lines)

    @property
    def needs_review(self) -> bool:
        """Some code is uncertain: show the raw text so it can be corrected."""
        return any(code.low_confidence for code in self.codes)

    def with_correction(
        self, original: ReadCode, corrected: ReadCode, lookup: CodeLookup
    ) -> OcrResult:
        """This result with ``original`` replaced by a technician's correction."""
        codes, lookups = list(self.codes), list(self.lookups)
        index = codes.index(original)
        codes[index], lookups[index] = corrected, lookup
        return replace(self, codes=tuple(codes), lookups=tuple(lookups))


def code_to_json(code: ReadCode) -> dict[str, Any]:
    return {
        "kind": code.kind.value,
        "value": code.value,
        "confidence": code.confidence,
        "box": code.box.as_list() if code.box else None,
        "line_box": code.line_box.as_list() if code.line_box else None,
        "uncertain": code.low_confidence,
        "known": code.known,
        "raw": code.raw,
        "label": code.label,
        "low_confidence": code.low_confidence,
        "notes": list(code.notes),
        "matches_format": code.matches_format,
        "corrected_from": code.corrected_from,
    }


def lookup_to_json(lookup: CodeLookup) -> dict[str, Any]:
    return {
        "kind": lookup.kind.value,
        "value": lookup.value,
        "known": lookup.known,
        "citations": list(lookup.citations),
        "entries": [
            {
                "code": entry.code,
                "kind": entry.kind.value,
                "description": entry.description,
                "chunk_id": entry.chunk_id,
                "document": entry.document_id,
                "attributes": dict(entry.attributes),
            }
            for entry in lookup.entries
        ],
        "hits": [
            {
                "chunk_id": hit.chunk_id,
                "document": hit.chunk.document_id,
                "title": hit.chunk.title,
                "section": hit.chunk.section,
                "snippet": hit.snippet,
            }
            for hit in lookup.hits
        ],
    }


def result_to_json(result: OcrResult) -> dict[str, Any]:
    """The result as plain JSON types (codes, lookups, text, timing, photo ref)."""
    return {
        "path": str(result.path),
        "sha256": result.sha256,
        "engine": result.engine,
        "codes": [code_to_json(code) for code in result.codes],
        "lookups": [lookup_to_json(lookup) for lookup in result.lookups],
        "text": result.text,
        "seconds": round(result.seconds, 3),
        "rotation": result.rotation,
        "size": [result.width, result.height],
        "needs_review": result.needs_review,
        "notices": list(result.notices),
    }
