"""What changed in the knowledge base while the device was away. Pure.

A device prices a part order and cites documents from the KB it last
received; the centre knows the KB it publishes now. At push:

- a part order whose part is no longer in the newest KB's parts catalogue,
  or whose unit price there moved by more than the policy's
  ``price_tolerance`` (a fraction of the newest price; 0 by default: any
  change) or is in another currency, is held for a supervisor with the
  change named: "part 4471-G10-131 costs 11.20 EUR in KB v5, 9.80 when
  proposed";
- an action citing a document that the centre has withdrawn since (a KB
  version published without a document an earlier version had) is held
  too, naming the document, the version that withdrew it and the reason a
  supervisor gave (``edge-governance kb withdraw``);
- an action whose data-age record cites a revision of a document that a
  supervisor withdrew (``kb withdraw DOC --revision R``: a corrected document
  whose old text must not be acted on) is held, naming the revision and why.

With no KB published at the centre there is nothing to compare, and a newest
KB without any parts table says nothing about prices (a citation of the
withdrawn table still does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.server.parts_catalogue import CataloguePart, part_key

CITED_CHUNK_KEYS = ("catalogue_chunk", "fault_code_chunk")
"""Evidence keys naming a chunk (``document#ordinal``) an action rests on."""

_REFS_KEY = "argument_origin_refs"
_FRESHNESS_KEY = "freshness"


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """When the centre withdrew a document.

    Attributes:
        version: The first KB version published without it.
        at: When that version was published.
    """

    version: int
    at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class KbNow:
    """The knowledge base the centre publishes now.

    Attributes:
        version: The newest published KB version (0: none).
        parts: Its parts catalogue by part key (``None``: no parts table).
        withdrawn: Documents an earlier version had and the newest has not,
            with the version that withdrew each.
        withdrawn_revisions: Revisions withdrawn by a supervisor, by
            document and revision (12 hex digits), with when and why (the
            version is the one that first held the revision, if known).
    """

    version: int = 0
    parts: Mapping[str, CataloguePart] | None = None
    withdrawn: Mapping[str, Withdrawal] = field(default_factory=dict)
    withdrawn_revisions: Mapping[tuple[str, str], Withdrawal] = field(
        default_factory=dict
    )


def part_problems(
    tool: str, args: Mapping[str, Any], kb: KbNow, *, tolerance: float = 0.0
) -> list[str]:
    """What no longer holds for a part order with ``args``, in plain words."""
    number = args.get("part_number")
    if tool != "order_part" or not isinstance(number, str) or kb.parts is None:
        return []
    part = kb.parts.get(part_key(number))
    if part is None:
        return [f"part {number} is no longer in the catalogue of KB v{kb.version}"]
    then = _price(args.get("unit_price"))
    given = args.get("currency")
    then_currency = given if isinstance(given, str) else ""
    if _same_price(then, part.unit_price, tolerance) and (
        not then_currency or not part.currency or then_currency == part.currency
    ):
        return []
    now_words = (
        f"costs {_money(part.unit_price, part.currency)}"
        if part.unit_price is not None
        else "has no price"
    )
    then_words = _money(then, then_currency) if then is not None else "no price"
    beyond = f" (beyond the policy's {tolerance:.0%} tolerance)" if tolerance else ""
    return [
        f"part {part.part_number} {now_words} in KB v{kb.version}, "
        f"{then_words} when proposed{beyond}"
    ]


def withdrawn_problems(evidence: Mapping[str, Any], kb: KbNow) -> list[str]:
    """The documents and revisions an action cites that the centre has
    withdrawn since."""
    problems = []
    for document in sorted(cited_documents(evidence)):
        withdrawal = kb.withdrawn.get(document)
        if withdrawal is not None:
            when = f" of {withdrawal.at:%Y-%m-%d}" if withdrawal.at else ""
            problems.append(
                f"it cites {document}, withdrawn by the centre in KB "
                f"v{withdrawal.version}{when}{_why(withdrawal)}"
            )
    for document, revision in sorted(cited_revisions(evidence)):
        withdrawal = kb.withdrawn_revisions.get((document, revision))
        if withdrawal is not None:
            when = f" on {withdrawal.at:%Y-%m-%d}" if withdrawal.at else ""
            problems.append(
                f"it cites {document} revision {revision}, withdrawn by the "
                f"centre{when}{_why(withdrawal)}"
            )
    return problems


def cited_revisions(evidence: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The document revisions an action's data-age record names (12 hex
    digits each)."""
    record = evidence.get(_FRESHNESS_KEY)
    named = record.get("documents") if isinstance(record, Mapping) else None
    if not isinstance(named, Mapping):
        return set()
    return {
        (name, doc["revision"][:12].lower())
        for name, doc in named.items()
        if isinstance(name, str)
        and isinstance(doc, Mapping)
        and isinstance(doc.get("revision"), str)
    }


def _why(withdrawal: Withdrawal) -> str:
    return f": {withdrawal.reason}" if withdrawal.reason else ""


def cited_documents(evidence: Mapping[str, Any]) -> set[str]:
    """The KB documents an action's evidence cites: its catalogue and
    fault-code chunks, the chunks its arguments were quoted from, and the
    documents its data-age record names."""
    chunks = [evidence.get(key) for key in CITED_CHUNK_KEYS]
    refs = evidence.get(_REFS_KEY)
    if isinstance(refs, Mapping):
        chunks += list(refs.values())
    documents = set(_documents_of(chunks))
    record = evidence.get(_FRESHNESS_KEY)
    named = record.get("documents") if isinstance(record, Mapping) else None
    if isinstance(named, Mapping):
        documents |= {name for name in named if isinstance(name, str) and name}
    return documents


def _documents_of(chunks: Iterable[object]) -> Iterable[str]:
    for chunk in chunks:
        if isinstance(chunk, str) and "#" in chunk:
            document = chunk.rpartition("#")[0]
            if document:
                yield document


def _same_price(then: float | None, now: float | None, tolerance: float) -> bool:
    if then is None or now is None:
        return then is None and now is None
    return abs(now - then) <= tolerance * abs(now) + 0.005


def _price(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 2)
    return None


def _money(amount: float | None, currency: str) -> str:
    return f"{amount:.2f} {currency}".strip()
