"""Photo cases: the photo turn reads the codes, compared with those printed.

A code counts when its kind and value both match (as the OCR benchmark
counts). A case passes when every printed code is read and nothing else is.
Recall is codes found over codes printed, precision codes found over codes
read, over all the suite's photos.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from edge_agent.errors import OcrError
from edge_agent.evaluation.cases import PhotoCase
from edge_agent.evaluation.results import CaseResult
from edge_agent.evaluation.scoring import ratio, tally_codes
from edge_agent.evaluation.turns import FieldTurns

if TYPE_CHECKING:
    from edge_agent.ocr import PhotoReader
    from edge_agent.session import Session


def run_photo_case(
    case: PhotoCase,
    session: Session,
    reader: PhotoReader | None,
    turns: FieldTurns,
    *,
    unavailable: str = "",
) -> CaseResult:
    """Read the case's photo through the photo turn and tally its codes.

    Without a ``reader`` (no OCR engine could start; ``unavailable`` says
    why) the case fails with that reason, as does a photo the turn cannot
    read.
    """
    started = time.perf_counter()
    read: list[tuple[str, str]] = []
    problems: list[str] = []
    got: dict[str, Any] = {}
    if reader is None:
        problems.append(f"not read: {unavailable}")
    else:
        try:
            result = turns.read_photo(session, reader, case.image)
        except OcrError as exc:
            problems.append(f"not read: {exc.message}")
        else:
            read = [(code.kind.value, code.value) for code in result.codes]
            got = {"engine": result.engine, "text": result.text}
    tally = tally_codes(case.codes, read)
    problems += [f"missed {kind} {value}" for kind, value in tally.missed]
    problems += [f"read {kind} {value}, not printed" for kind, value in tally.extra]
    return CaseResult(
        id=case.id,
        kind=case.kind,
        passed=not problems,
        expected={"image": case.image.name, "codes": _codes(case.codes)},
        got={"codes": _codes(read), **got},
        problems=tuple(problems),
        scores={
            "expected": len(tally.expected),
            "read": len(tally.read),
            "found": len(tally.found),
        },
        seconds=time.perf_counter() - started,
        note=case.note,
    )


def _codes(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"kind": kind, "value": value} for kind, value in pairs]


def photo_figures(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Recall and precision of the codes read, over every photo."""
    expected = sum(r.scores["expected"] for r in results)
    read = sum(r.scores["read"] for r in results)
    found = sum(r.scores["found"] for r in results)
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "codes_expected": expected,
        "codes_read": read,
        "codes_found": found,
        "recall": ratio(found, expected),
        "precision": ratio(found, read),
    }
