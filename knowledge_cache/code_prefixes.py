"""Codes typed without the literal prefix that every code of their table has.

Many makers write their codes behind a fixed prefix (``0x06020000``,
``0x2310``, ``F-1203``), and technicians drop it: "abort 06020000",
"emcy 2310". When a code column whose formats were learned (not declared)
spells every one of its codes with the same letters first, a question token
that, with those letters put back, matches the KB's formats *and is listed*
is read as that code, like any other slip.

Read with the same care as a slip: the token holds three digits at least and
more digits than letters, it is not a year, and no count or measurement word
follows it ("2310 hours", "1500 rpm"). A token the table does not list is
never read: without its prefix, an unlisted number is an ordinary number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from knowledge_cache.format_matching import FormatSet
from knowledge_cache.models import CodeKind
from knowledge_cache.quantities import YEAR, is_quantity
from knowledge_cache.question_codes import MAX_QUESTION_CHARS, TypedCode

MIN_DIGITS = 3
"""Fewest digits in a token read as a code without its prefix."""

_TOKEN = re.compile(r"(?<![\w'])[A-Za-z0-9]+(?![\w'])")


@dataclass(frozen=True, slots=True)
class CodePrefix:
    """The letters every code of one learned code column starts with."""

    kind: CodeKind
    prefix: str


def literal_prefix(codes: Sequence[str]) -> str:
    """The literal start every one of ``codes`` shares, as far as its last
    letter or separator (``0x`` of ``0x0503``, ``0x0604``), or ``""`` when
    they share none with a letter in it."""
    if len(codes) < 2:
        return ""
    spelled = [" ".join(code.upper().split()) for code in codes]
    return _prefix(min(spelled), max(spelled), min(map(len, spelled)))


def learned_prefixes(db: Database) -> list[CodePrefix]:
    """The literal prefix of each learned, usable code column that has one.

    Only columns whose kind ``kb.toml`` declares nothing for: a declared
    format says how its codes are spelled.
    """
    rows = db.execute(
        """
        SELECT c.kind, min(upper(c.code)), max(upper(c.code)), count(*),
               min(length(c.code))
        FROM codes c
        JOIN (SELECT DISTINCT document_id, kind FROM learned_formats
              WHERE loose = '') l
          ON l.document_id = c.document_id AND l.kind = c.kind
        WHERE c.kind NOT IN (SELECT DISTINCT kind FROM code_formats)
        GROUP BY c.document_id, c.kind
        """
    ).fetchall()
    found: dict[tuple[str, str], CodePrefix] = {}
    for kind, low, high, count, shortest in rows:
        if int(count) < 2:
            continue
        prefix = _prefix(" ".join(low.split()), " ".join(high.split()), shortest)
        if prefix:
            found.setdefault((kind, prefix), CodePrefix(CodeKind(kind), prefix))
    return list(found.values())


def codes_without_prefix(
    question: str,
    prefixes: Callable[[], Sequence[CodePrefix]],
    formats: FormatSet,
    listed: Callable[[str], bool],
    taken: Sequence[TypedCode] = (),
) -> list[TypedCode]:
    """The listed codes ``question`` types without their table's prefix.

    ``prefixes`` is called only when a token could be such a code;
    ``listed`` says whether a code (as its format spells it) is listed;
    tokens inside ``taken`` (codes read already) are skipped.
    """
    text = question[:MAX_QUESTION_CHARS]
    tokens = [m for m in _TOKEN.finditer(text) if _could_be_code(text, m)]
    tokens = [m for m in tokens if not _inside(m, taken)]
    if not tokens:
        return []
    known = prefixes()
    found: list[TypedCode] = []
    for token in tokens:
        for item in known:
            match = formats.match(item.prefix + token.group().upper())
            if match is None or match.kind is not item.kind:
                continue
            if not listed(match.value):
                continue
            found.append(
                TypedCode(
                    token.group(),
                    match.value,
                    match.kind,
                    match.fixes,
                    token.start(),
                    token.end(),
                    prefix=item.prefix,
                )
            )
            break
    return found


def _could_be_code(text: str, token: re.Match[str]) -> bool:
    word = token.group()
    digits = sum(ch.isdigit() for ch in word)
    if digits < MIN_DIGITS or digits <= len(word) - digits:
        return False
    if YEAR.fullmatch(word):
        return False
    return not is_quantity(text, token.end())


def _inside(token: re.Match[str], taken: Sequence[TypedCode]) -> bool:
    return any(c.start < token.end() and token.start() < c.end for c in taken)


def _prefix(low: str, high: str, shortest: int) -> str:
    """The start shared by the first and last code in order (so by every
    code between them), up to its last letter or separator, if it holds a
    letter and leaves something of the shortest code."""
    size = 0
    for left, right in zip(low, high, strict=False):
        if left != right:
            break
        size += 1
    start = low[:size]
    end = max((i + 1 for i, ch in enumerate(start) if not ch.isdigit()), default=0)
    prefix = start[:end]
    if not any(ch.isalpha() for ch in prefix) or len(prefix) >= shortest:
        return ""
    return prefix
