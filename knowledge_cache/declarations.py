"""``kb.toml``: what a knowledge base declares about itself (name, code formats)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from knowledge_cache.errors import IngestError
from knowledge_cache.models import CodeFormat, CodeKind

DECLARATIONS_FILE = "kb.toml"


@dataclass(frozen=True, slots=True)
class Declarations:
    """The parsed contents of a ``kb.toml``."""

    name: str
    code_formats: tuple[CodeFormat, ...]


def parse_declarations(data: bytes) -> Declarations:
    """Parse ``kb.toml``.

    Raises:
        IngestError: malformed TOML, an unknown kind, a pattern that does
            not compile or an example it does not fit (letters in either
            case); the message names the entry and field.
    """
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(f"is not valid TOML ({exc}).") from exc
    kb = document.get("kb", {})
    name = kb.get("name", "") if isinstance(kb, dict) else ""
    entries = document.get("code_formats", [])
    if not isinstance(entries, list):
        raise IngestError("code_formats must be an array of tables ([[code_formats]]).")
    formats = tuple(_code_format(i, entry) for i, entry in enumerate(entries, 1))
    return Declarations(name=str(name), code_formats=formats)


def _code_format(number: int, entry: Any) -> CodeFormat:
    where = f"code_formats entry {number}"
    if not isinstance(entry, dict):
        raise IngestError(f"{where} must be a table.")
    try:
        kind = CodeKind(entry.get("kind", ""))
    except ValueError:
        kinds = ", ".join(k.value for k in CodeKind)
        raise IngestError(
            f"{where}, field kind: {entry.get('kind')!r} is not one of {kinds}."
        ) from None
    pattern = entry.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise IngestError(f"{where}, field pattern: a regular expression is required.")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise IngestError(f"{where}, field pattern: does not compile ({exc}).") from exc
    example = str(entry.get("example", ""))
    if example and compiled.fullmatch(example) is None:
        raise IngestError(
            f"{where}, field example: {example!r} does not fit the pattern "
            f"{pattern!r}, so the pattern would not read codes like it either; "
            "correct the pattern or the example."
        )
    return CodeFormat(
        kind=kind,
        pattern=pattern,
        example=example,
        description=str(entry.get("description", "")),
    )
