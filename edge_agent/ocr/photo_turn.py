"""Reading a photo, and correcting a code read from it, as turns of a session.

Each is traced and the trace saved in the outbox, so it reaches the centre
with the device's journal: the photo's SHA-256 and file name, the engine, the
time taken, and each code with its kind, confidence and whether the KB knows
it; a correction names the code read and the code typed. The photo itself
never leaves the device: the hash is the reference to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from edge_agent.errors import CorrectionInvalid, OcrError
from edge_agent.ocr.reader import PhotoReader
from edge_agent.ocr.results import CodeLookup, OcrResult, ReadCode
from edge_agent.tracing import OCR

if TYPE_CHECKING:
    from edge_agent.session import Session


def read_in_session(session: Session, reader: PhotoReader, path: Path) -> OcrResult:
    """Read every code on the photo at ``path``, as one traced turn.

    Raises:
        OcrError: the photo cannot be read; the failed turn is traced too.
    """
    tracer = session.tracer("photo")
    try:
        with tracer.span(OCR, edge__photo__name=path.name) as span:
            result = reader.read(path)
            span.set(
                edge__photo__sha256=result.sha256,
                edge__ocr__engine=result.engine,
                edge__ocr__seconds=round(result.seconds, 3),
                edge__ocr__rotation=result.rotation,
                edge__ocr__codes=len(result.codes),
                edge__ocr__read=_codes(result.codes, result.lookups),
            )
    except OcrError as exc:
        session.outbox.save_trace(tracer.finish(exc.message).as_dict())
        raise
    session.outbox.save_trace(tracer.finish().as_dict())
    return result


def correct_in_session(
    session: Session,
    reader: PhotoReader,
    typed: str,
    *,
    original: ReadCode,
    photo_sha256: str,
) -> tuple[ReadCode, CodeLookup]:
    """Look up the code typed in place of ``original``, as one traced turn.

    Raises:
        CorrectionInvalid: the typed text cannot be a code the KB declares.
    """
    tracer = session.tracer("correction")
    with tracer.span(
        OCR,
        edge__photo__sha256=photo_sha256,
        edge__code__kind=original.kind.value,
        edge__code__read=original.value,
        edge__code__confidence=round(original.confidence, 3),
    ) as span:
        try:
            corrected, lookup = reader.correct(typed, original=original)
        except CorrectionInvalid as exc:
            session.outbox.save_trace(tracer.finish(exc.message).as_dict())
            raise
        span.set(edge__code__corrected=corrected.value, edge__code__known=lookup.known)
    if (corrected.kind, corrected.value) != (original.kind, original.value):
        session.outbox.save_trace(tracer.finish().as_dict())  # a real correction
    return corrected, lookup


def _codes(codes: tuple[ReadCode, ...], lookups: tuple[CodeLookup, ...]) -> str:
    """``kind value confidence known|unknown`` per code, ``; `` between."""
    return "; ".join(
        f"{code.kind.value} {code.value} {code.confidence:.2f} "
        f"{'known' if lookup.known else 'unknown'}"
        for code, lookup in zip(codes, lookups, strict=True)
    )
