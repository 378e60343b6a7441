"""What a request names, as spans of its text: part numbers, fault codes and
serials read with the knowledge base's formats (typing slips read), jobs and
assets by the job list's ids and serials, customers by name.

The reader masks these spans before it reads words, so no digit of a code or
an id is ever taken for a count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent.act.request_words import MASK
from edge_agent.jobs import JobBook
from knowledge_cache import CodeKind, KnowledgeStore, code_key


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the request already read (a code, an id or a customer)."""

    kind: str
    value: str
    start: int
    end: int


def code_spans(store: KnowledgeStore, text: str, jobs: JobBook) -> list[Span]:
    """Parts, fault codes and serials, read with the knowledge base's formats.

    A serial names the asset that carries it. Model numbers are kept as
    spans too, so that no digit of theirs is read as a count.
    """
    spans = []
    by_serial = {code_key(a.serial): a.asset_id for a in jobs.assets.values()}
    for reading in store.read_codes(text):
        code = reading.code
        start, end = _located(text, code.typed, code.start, code.end)
        if start < 0:
            continue
        if code.kind is CodeKind.SERIAL_NUMBER and code.key in by_serial:
            spans.append(Span("asset", by_serial[code.key], start, end))
        else:
            spans.append(
                Span(_CODE_KINDS.get(code.kind, "code"), code.value, start, end)
            )
    return spans


_CODE_KINDS = {CodeKind.PART_NUMBER: "part", CodeKind.FAULT_CODE: "fault"}


def _located(text: str, typed: str, start: int, end: int) -> tuple[int, int]:
    """Where a code stands; a code found by its key alone is searched for."""
    if start >= 0:
        return start, end
    found = text.upper().find(typed.upper())
    return (found, found + len(typed)) if found >= 0 else (-1, -1)


_ATOM = re.compile(r"[A-Za-z0-9]+")
_JOINER = re.compile(r"[ \-_./]{0,2}")
_LOOK_ALIKE_DIGITS = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_ID_ATOMS = 3


def id_spans(text: str, jobs: JobBook, *, taken: Sequence[Span]) -> list[Span]:
    """Jobs and assets the text names by id (``J-1003``, ``j1003``, ``job
    1003``, ``pump 452``) or by serial, and ids shaped like the job list's
    that it lacks (read as written, so the check can say the job is unknown)."""
    index = _IdIndex(jobs)
    atoms = list(_ATOM.finditer(text))
    found: list[Span] = []
    for first in range(len(atoms)):
        for last in range(min(first + MAX_ID_ATOMS, len(atoms)) - 1, first - 1, -1):
            window = atoms[first : last + 1]
            if not all(
                _joined(text, a, b) for a, b in zip(window, window[1:], strict=False)
            ):
                continue
            start, end = window[0].start(), window[-1].end()
            if any(s.start < end and start < s.end for s in [*taken, *found]):
                continue
            hit = index.find([a.group() for a in window])
            if hit is not None:
                found.append(Span(hit[0], hit[1], start, end))
                break
    return found


def _joined(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    return _JOINER.fullmatch(text, left.end(), right.start()) is not None


class _IdIndex:
    """The job list's ids by compact key, by prefix and number, and by shape."""

    def __init__(self, jobs: JobBook) -> None:
        self.keys: dict[str, tuple[str, str]] = {}
        self.numbers: dict[tuple[str, int], tuple[str, str]] = {}
        self.shapes: dict[tuple[str, int], tuple[str, str]] = {}
        for kind, ids in (("job", jobs.jobs), ("asset", jobs.assets)):
            for value in ids:
                self._add(kind, value)
        for asset in jobs.assets.values():
            if asset.serial:
                self.keys.setdefault(code_key(asset.serial), ("asset", asset.asset_id))

    def _add(self, kind: str, value: str) -> None:
        self.keys[code_key(value)] = (kind, value)
        shape = re.fullmatch(r"([A-Za-z]+)([^A-Za-z0-9]?)(\d+)", value)
        if shape is None:
            return
        prefix, separator, digits = shape.groups()
        self.numbers[(prefix.upper(), int(digits))] = (kind, value)
        if kind == "job":
            self.numbers[("JOB", int(digits))] = (kind, value)
        self.shapes[(prefix.upper(), len(digits))] = (kind, prefix + separator)

    def find(self, atoms: list[str]) -> tuple[str, str] | None:
        fixed = [
            a.upper().translate(_LOOK_ALIKE_DIGITS) if _digit(a) else a.upper()
            for a in atoms
        ]
        key = "".join(fixed)
        if key in self.keys:
            return self.keys[key]
        if len(atoms) == 2 and fixed[0].isalpha() and fixed[1].isdigit():
            hit = self.numbers.get((fixed[0], int(fixed[1])))
            if hit is not None:
                return hit
        shape = re.fullmatch(r"([A-Z]+)(\d+)", key)
        if shape is not None and (shape[1], len(shape[2])) in self.shapes:
            kind, prefix = self.shapes[(shape[1], len(shape[2]))]
            return kind, prefix + shape[2]
        return None


def _digit(atom: str) -> bool:
    return any(ch.isdigit() for ch in atom)


def customer_spans(text: str, jobs: JobBook) -> list[Span]:
    """Customers the text names in full, as spans of kind ``customer``."""
    names = {job.customer_name for job in jobs.jobs.values() if job.customer_name}
    spans = []
    for name in sorted(names):
        words = r"\s+".join(re.escape(part) for part in name.split())
        for match in re.finditer(rf"\b{words}\b", text, re.IGNORECASE):
            spans.append(Span("customer", name, match.start(), match.end()))
    return spans


def mask(text: str, spans: Sequence[Span], names: Sequence[Span]) -> str:
    """The request in lower case, codes and ids as ``#``, customers as ``@``."""
    chars = list(text.lower())
    for span in spans:
        chars[span.start : span.end] = MASK * (span.end - span.start)
    for span in names:
        chars[span.start : span.end] = "@" * (span.end - span.start)
    return "".join(chars)
