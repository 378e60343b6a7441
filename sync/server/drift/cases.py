"""Field turns as evaluation cases, in the suite format ``edge-agent eval``
reads (``suite.json``: ``suite_version``, ``name``, ``cases``).

Two sources:

- the questions that found nothing (:func:`unanswered_cases`): one question
  case per group of alike questions, ``must_abstain: false`` and no
  expectation yet. The suite reader refuses a question case that expects
  nothing, naming the case, so an exported case cannot be run by mistake
  before the supervisor fills in what the answer must hold
  (``expected_chunks``, ``expected_codes``, ``expected_facts``) or decides
  the knowledge base should not answer it (``must_abstain: true``). The
  ``note`` says how often it was asked, where, and which turns.
- one reviewed turn (:func:`turn_case`): a question turn with what its
  answer must hold or that it must abstain, or a photo turn with the codes
  printed on the photo. The photo itself never left the device: the case
  names ``photos/<SHA-256 prefix>-<file name>`` and the reader refuses it
  until the file is copied there.

Cases are added to a suite file (made when missing); the suite's version
goes up by one whenever a case is added, and a case whose id is already
there is left as it is. The file is replaced whole, so a failed write
leaves the old one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.server.drift.questions import QuestionGroup, question_words
from sync.server.errors import PublishRefused

SUITE_FILE = "suite.json"
CODE_KINDS = ("fault_code", "part_number", "serial_number", "model_number")
NOTED_TURNS = 10
"""Turns named in an exported case's note (the rest are counted)."""
_REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class SuiteWrite:
    """What adding cases to a suite file did."""

    file: Path
    added: tuple[str, ...]
    already_there: tuple[str, ...]
    version: int


def unanswered_cases(groups: Sequence[QuestionGroup]) -> list[dict[str, Any]]:
    """A question case per group, to be filled in by a supervisor."""
    return [_unanswered_case(group) for group in groups]


def _unanswered_case(group: QuestionGroup) -> dict[str, Any]:
    words = " ".join(sorted(question_words(group.question)))
    digest = hashlib.sha256(words.encode("utf-8")).hexdigest()[:12]
    turns = [f"{t.device_id}/{t.trace_id}" for t in group.turns[:NOTED_TURNS]]
    more = group.count - len(turns)
    also = [wording for wording, _ in group.wordings[1:]]
    weeks = (
        group.weeks[0]
        if len(group.weeks) == 1
        else f"{group.weeks[0]} to {group.weeks[-1]}"
    )
    note = (
        "TO FILL IN: give expected_chunks, expected_codes or expected_facts, or "
        "set must_abstain to true (the suite refuses this case until then). "
        f"Found nothing {group.count} time(s) on {len(group.devices)} device(s) "
        f"in {weeks}"
        + (f"; also asked as: {' | '.join(also)}" if also else "")
        + f"; turns: {', '.join(turns)}"
        + (f" and {more} more" if more > 0 else "")
        + "."
    )
    return {
        "id": f"field-unanswered-{digest}",
        "kind": "question",
        "question": group.question,
        "must_abstain": False,
        "note": note,
    }


def turn_case(
    trace: Mapping[str, Any],
    *,
    expect_codes: Sequence[str] = (),
    expect_texts: Sequence[str] = (),
    must_abstain: bool = False,
) -> dict[str, Any]:
    """The case one reviewed turn becomes.

    Args:
        trace: The stored turn (``device_id``, ``trace_id``, ``name``,
            ``spans`` as a list, ``start_ns``).
        expect_codes: For a question, the codes its answer must find; for a
            photo, the codes printed on it (``KIND:VALUE``, or a value read
            from the photo); none: the codes read.
        expect_texts: For a question, text its answer must show.
        must_abstain: For a question, the answer must say nothing answers it.

    Raises:
        PublishRefused: the turn is neither a question nor a photo, lacks what
            the case needs, or the expectations do not fit it.
    """
    name = trace["name"]
    spans = {span.get("name"): span.get("attributes") or {} for span in trace["spans"]}
    origin = f"From turn {trace['trace_id']} of device {trace['device_id']}"
    if name == "ask":
        return _question_case(
            trace, spans, origin, expect_codes, expect_texts, must_abstain
        )
    if name == "photo":
        if expect_texts or must_abstain:
            raise PublishRefused(
                "A photo case takes only the codes printed on the photo "
                "(--expect-code); --expect-text and --must-abstain are for "
                "question turns. Nothing was written."
            )
        return _photo_case(trace, spans, origin, expect_codes)
    raise PublishRefused(
        f"Turn {trace['trace_id']} is a {name!r} turn; only question turns (ask) "
        "and photo turns become cases. Nothing was written."
    )


def _question_case(
    trace: Mapping[str, Any],
    spans: Mapping[str, Mapping[str, Any]],
    origin: str,
    expect_codes: Sequence[str],
    expect_texts: Sequence[str],
    must_abstain: bool,
) -> dict[str, Any]:
    question = str(spans.get("edge.retrieval", {}).get("edge.query", "")).strip()
    if not question or question == _REDACTED:
        raise PublishRefused(
            f"Turn {trace['trace_id']} does not hold its question (none recorded, "
            "or the policy redacts it); write the case by hand. Nothing was written."
        )
    if must_abstain and expect_codes:
        raise PublishRefused(
            "--must-abstain cannot go with --expect-code: an answer that abstains "
            "finds no code. Nothing was written."
        )
    if not (must_abstain or expect_codes or expect_texts):
        raise PublishRefused(
            "Say what the answer must hold: --expect-code, --expect-text or "
            "--must-abstain. Nothing was written."
        )
    route = spans.get("invoke_agent", {}).get("edge.answer.route", "")
    case: dict[str, Any] = {
        "id": f"field-{_id_part(trace['trace_id'])}",
        "kind": "question",
        "question": question,
    }
    if expect_codes:
        case["expected_codes"] = list(dict.fromkeys(expect_codes))
    if expect_texts:
        case["expected_facts"] = list(dict.fromkeys(expect_texts))
    if must_abstain:
        case["must_abstain"] = True
    case["note"] = f"{origin}" + (f" (answered by {route})." if route else ".")
    return case


def _photo_case(
    trace: Mapping[str, Any],
    spans: Mapping[str, Mapping[str, Any]],
    origin: str,
    expect_codes: Sequence[str],
) -> dict[str, Any]:
    ocr = spans.get("edge.ocr", {})
    sha = str(ocr.get("edge.photo.sha256", ""))
    file_name = Path(str(ocr.get("edge.photo.name", "photo.jpg"))).name
    read = _read_codes(ocr.get("edge.ocr.read"))
    if not sha:
        raise PublishRefused(
            f"Turn {trace['trace_id']} did not read its photo (no SHA-256 "
            "recorded); it cannot become a case. Nothing was written."
        )
    codes = [_code(text, read) for text in expect_codes] or [
        {"kind": kind, "value": value} for value, kind in read.items()
    ]
    if not codes:
        raise PublishRefused(
            "No code was read from this photo: give the codes printed on it with "
            "--expect-code KIND:VALUE. Nothing was written."
        )
    image = f"photos/{sha[:12]}-{_safe_name(file_name)}"
    return {
        "id": f"field-{_id_part(trace['trace_id'])}",
        "kind": "photo",
        "image": image,
        "codes": codes,
        "note": (
            f"{origin}. Copy the photo with SHA-256 {sha} from the device to "
            f"{image} beside suite.json: the suite refuses this case until then."
        ),
    }


def _read_codes(text: object) -> dict[str, str]:
    """Value to kind of each code an OCR span read."""
    found: dict[str, str] = {}
    if isinstance(text, str):
        for item in text.split(";"):
            parts = item.split()
            if len(parts) >= 4 and parts[0] in CODE_KINDS:
                found[" ".join(parts[1:-2])] = parts[0]
    return found


def _code(text: str, read: Mapping[str, str]) -> dict[str, str]:
    kind, colon, value = text.partition(":")
    if colon and kind in CODE_KINDS and value.strip():
        return {"kind": kind, "value": value.strip()}
    if text in read:
        return {"kind": read[text], "value": text}
    raise PublishRefused(
        f"{text!r} was not read from this photo, so its kind is not known: give "
        f"it as KIND:VALUE, KIND one of {', '.join(CODE_KINDS)}. Nothing was "
        "written."
    )


def _id_part(trace_id: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", trace_id).strip("-._")
    return cleaned[:40] or hashlib.sha256(trace_id.encode()).hexdigest()[:12]


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "photo.jpg"


def add_cases(
    path: Path, cases: Sequence[Mapping[str, Any]], *, name: str
) -> SuiteWrite:
    """Add ``cases`` to the suite at ``path`` (a folder or its file), made
    with ``name`` when missing.

    Raises:
        PublishRefused: the file exists and is not a suite, or cannot be
            read or written; nothing was changed.
    """
    file = path / SUITE_FILE if path.is_dir() else path
    document = _existing(file) or {"suite_version": 0, "name": name, "cases": []}
    known = {case.get("id") for case in document["cases"] if isinstance(case, dict)}
    added = [case for case in cases if case["id"] not in known]
    if added or not file.exists():
        document["cases"] = [*document["cases"], *added]
        document["suite_version"] = int(document["suite_version"]) + 1
        _write(file, document)
    return SuiteWrite(
        file=file,
        added=tuple(case["id"] for case in added),
        already_there=tuple(case["id"] for case in cases if case["id"] in known),
        version=int(document["suite_version"]),
    )


def _existing(file: Path) -> dict[str, Any] | None:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PublishRefused(
            f"Cannot read the suite {file} ({exc}); nothing was written."
        ) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PublishRefused(
            f"{file} is not valid JSON (line {exc.lineno}: {exc.msg}); fix it or "
            "choose another --out. Nothing was written."
        ) from exc
    version = document.get("suite_version") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("cases"), list)
        or isinstance(version, bool)
        or not isinstance(version, int)
    ):
        raise PublishRefused(
            f"{file} is not a suite (a JSON object with suite_version and a list "
            "of cases); choose another --out. Nothing was written."
        )
    return document


def _write(file: Path, document: Mapping[str, Any]) -> None:
    temporary = file.with_name(f".{file.name}.tmp")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.replace(temporary, file)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise PublishRefused(
            f"Cannot write {file} ({exc.strerror or exc}); nothing was changed."
        ) from exc
