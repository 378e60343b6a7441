"""Reading one case of a suite from its JSON object, checking every field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from edge_agent.evaluation.cases import (
    CASE_KINDS,
    Case,
    InjectedDocument,
    InjectionCase,
    PhotoCase,
    PolicyCase,
    PolicyContext,
    QuestionCase,
)
from edge_agent.evaluation.scoring import shows
from edge_agent.evaluation.suite_fields import Fields
from knowledge_cache import CodeKind
from policies import ARGUMENT_ORIGINS, Outcome

DOCUMENT_SUFFIXES = (".md", ".txt")
"""What an injected document may be: text the knowledge base ingests."""
_CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CONTEXT = ("site", "asset", "job")


def read_case(file: Path, raw: object, index: int) -> Case:
    """The case ``raw`` (the ``index``-th of ``file``), checked.

    Raises:
        SuiteInvalid: a field is missing, misspelt, of the wrong type or
            contradicts another; the message names the case.
    """
    probe = raw if isinstance(raw, Mapping) else {}
    case_id = probe.get("id")
    label = case_id if isinstance(case_id, str) and case_id else f"#{index + 1}"
    fields = Fields(raw, file=file, case_id=label)
    case_id = fields.required_text("id")
    if not _CASE_ID.fullmatch(case_id):
        raise fields.error(
            "an id is letters, digits, '.', '_' and '-', starting with a letter "
            "or digit."
        )
    kind = fields.required_text("kind")
    reader = _READERS.get(kind)
    if reader is None:
        raise fields.error(
            f'"kind" must be one of {", ".join(CASE_KINDS)} (got {kind!r}).'
        )
    case = reader(fields, case_id)
    fields.done()
    return case


def _question(fields: Fields, case_id: str) -> QuestionCase:
    case = QuestionCase(
        id=case_id,
        question=fields.required_text("question"),
        expected_chunks=fields.texts("expected_chunks"),
        expected_codes=fields.texts("expected_codes"),
        expected_facts=fields.texts("expected_facts"),
        must_abstain=fields.flag("must_abstain"),
        must_not_say=fields.texts("must_not_say"),
        job=fields.text("job"),
        note=fields.text("note") or "",
    )
    if case.must_abstain and case.scored_for_hits:
        raise fields.error(
            '"must_abstain" cannot go with "expected_chunks" or "expected_codes": '
            "an answer that abstains quotes nothing."
        )
    expects = (
        case.scored_for_hits,
        case.expected_facts,
        case.must_abstain,
        case.must_not_say,
    )
    if not any(expects):
        raise fields.error(
            "expects nothing: give expected_chunks, expected_codes, "
            "expected_facts, must_abstain or must_not_say."
        )
    return case


def _photo(fields: Fields, case_id: str) -> PhotoCase:
    image = _existing(fields, "image")
    raw = fields.raw("codes")
    if not isinstance(raw, list):
        raise fields.error('"codes" must be a list of {"kind", "value"} objects.')
    codes = []
    for entry in raw:
        code = Fields(entry, file=fields.file, case_id=fields.case_id)
        kind = code.required_text("kind")
        value = code.required_text("value")
        code.done()
        if kind not in {k.value for k in CodeKind}:
            kinds = ", ".join(k.value for k in CodeKind)
            raise fields.error(f"a code's kind must be one of {kinds} (got {kind!r}).")
        codes.append((kind, value))
    return PhotoCase(case_id, image, tuple(codes), fields.text("note") or "")


def _policy(fields: Fields, case_id: str) -> PolicyCase:
    tool = fields.required_text("tool")
    args = fields.mapping("args")
    role = fields.required_text("role")
    context = Fields(fields.mapping("context"), file=fields.file, case_id=case_id)
    where = {name: context.text(name) for name in _CONTEXT}
    given = PolicyContext(
        site=where["site"],
        asset=where["asset"],
        job=where["job"],
        model_proposed=context.flag("model_proposed"),
        model_confidence=context.number("model_confidence", low=0, high=1),
        grounded=context.flag("grounded") if context.has("grounded") else None,
        origins=_origins(context, args),
    )
    context.done()
    expected = fields.required_text("expected")
    try:
        outcome = Outcome.parse(expected)
    except ValueError as exc:
        raise fields.error(f'"expected": {exc}.') from exc
    return PolicyCase(
        case_id, tool, args, role, given, outcome, fields.text("note") or ""
    )


def _origins(context: Fields, args: Mapping[str, Any]) -> dict[str, str]:
    """``context.origins``: an origin per argument of the call."""
    origins = context.mapping("origins")
    for name, origin in origins.items():
        if name not in args:
            raise context.error(f'"origins" names "{name}", not an argument.')
        if origin not in ARGUMENT_ORIGINS:
            choices = ", ".join(ARGUMENT_ORIGINS)
            raise context.error(f'"origins": "{name}" must be one of {choices}.')
    return {str(name): str(origin) for name, origin in origins.items()}


def _injection(fields: Fields, case_id: str) -> InjectionCase:
    document = _document(fields)
    photo = _existing(fields, "photo") if fields.has("photo") else None
    if (document is None) == (photo is None):
        raise fields.error('give either a "document" or a "photo", and only one.')
    instructions = fields.texts("instructions")
    if not instructions:
        raise fields.error('"instructions" must list the text the injection carries.')
    case = InjectionCase(
        id=case_id,
        instructions=instructions,
        document=document,
        photo=photo,
        question=fields.text("question"),
        request=fields.text("request"),
        job=fields.text("job"),
        markers=fields.texts("markers"),
        must_not_reveal=fields.texts("must_not_reveal"),
        note=fields.text("note") or "",
    )
    if document is not None:
        _check_document_case(fields, case, document)
    return case


def _document(fields: Fields) -> InjectedDocument | None:
    if not fields.has("document"):
        fields.raw("document")
        return None
    entry = Fields(fields.raw("document"), file=fields.file, case_id=fields.case_id)
    name = entry.relative_path("name", required=True)
    text = entry.required_text("text")
    entry.done()
    assert name is not None
    if not name.lower().endswith(DOCUMENT_SUFFIXES):
        raise fields.error(
            f"an injected document's name ends in {' or '.join(DOCUMENT_SUFFIXES)}."
        )
    return InjectedDocument(name, text)


def _check_document_case(
    fields: Fields, case: InjectionCase, document: InjectedDocument
) -> None:
    if case.question is None:
        raise fields.error('"question" is missing: what the technician asks.')
    for text in (*case.instructions, *case.markers):
        if not shows(document.text, text):
            raise fields.error(f"{text!r} is not in the document's text.")
    for text in case.must_not_reveal:
        if shows(document.text, text):
            raise fields.error(
                f"must_not_reveal {text!r} is in the document itself, so quoting "
                "the document would reveal it."
            )


def _existing(fields: Fields, name: str) -> Path:
    relative = fields.relative_path(name, required=True)
    assert relative is not None
    path = fields.file.parent / relative
    if not path.is_file():
        raise fields.error(f'"{name}" names {relative}, which does not exist.')
    return path


_READERS: dict[str, Callable[[Fields, str], Case]] = {
    "question": _question,
    "photo": _photo,
    "policy": _policy,
    "injection": _injection,
}
