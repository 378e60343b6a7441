"""Where each argument of an action came from: the technician's words, a
photo, a document shown in the turn, or the model. Pure and deterministic.

An argument's value is compared with the texts of its turn, normalised: case
folded, split into words at anything that is not a letter or a digit (so
``4471-G10-131``, ``4471 g10 131`` and ``4471G10131`` are the same code).
The first that holds, in order of trust, is its origin:

1. ``typed``: the technician typed it: the call was made by hand, rules read
   it from the request, or its words appear, whole and in order, in the
   request.
2. ``photo``: it appears in text read from a photo of the turn.
3. ``document``: it appears in a document text the turn showed (a
   knowledge-base entry or chunk, a job record).
4. ``model``: the model wrote it; it is in none of these.

"Appears" means the whole value, for a value of fewer than
:data:`SHINGLE_WORDS` words. A longer value (free text) also appears in a
photo or document text when any :data:`SHINGLE_WORDS` consecutive words of it
are found there but not in the request: a sentence copied from a document and
lightly reworded, or pasted among other words, is still the document's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from edge_agent.act.proposals import CATALOGUE_FIELDS
from policies import (
    DOCUMENT,
    EVIDENCE_KEY,
    MODEL,
    PHOTO,
    TYPED,
    origins_in_evidence,
)

SHINGLE_WORDS = 6
"""How many consecutive words shared with a photo or document make free text
theirs."""

ORIGINS_KEY = EVIDENCE_KEY
"""Evidence key: argument name to origin (the centre reads it too)."""
REFS_KEY = "argument_origin_refs"
"""Evidence key: argument name to the photo or document text it came from."""

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class ShownText:
    """A text the turn showed beside the technician's request.

    Attributes:
        origin: ``photo`` (read from a photo) or ``document`` (from the
            knowledge base or the job list).
        ref: Where it is from: a chunk id, ``job J-1001``, a photo's name.
        text: The text itself.
    """

    origin: Literal["photo", "document"]
    ref: str
    text: str


@dataclass(frozen=True, slots=True)
class TurnTexts:
    """The texts of one turn: the technician's request and what was shown."""

    request: str = ""
    shown: tuple[ShownText, ...] = ()


@dataclass(frozen=True, slots=True)
class ArgumentOrigin:
    """Where one argument came from, and the shown text it came from."""

    origin: str
    ref: str | None = None


def origin_of(value: object, texts: TurnTexts) -> ArgumentOrigin:
    """Where ``value`` came from, by the rules above (not knowing who
    proposed it); a value with no words is the model's."""
    words = _words(_text_of(value))
    if not words:
        return ArgumentOrigin(MODEL)
    request = _Text.of(texts.request)
    if request.holds(words):
        return ArgumentOrigin(TYPED)
    for origin in (PHOTO, DOCUMENT):
        for shown in texts.shown:
            if shown.origin == origin and _Text.of(shown.text).quotes(words, request):
                return ArgumentOrigin(origin, shown.ref)
    return ArgumentOrigin(MODEL)


def argument_origins(
    args: Mapping[str, Any],
    texts: TurnTexts | None,
    *,
    typed: Iterable[str] = (),
) -> dict[str, ArgumentOrigin]:
    """The origin of each of ``args``: those named in ``typed`` (read by
    rules from the request) are the technician's; the others by
    :func:`origin_of`. Without ``texts`` nothing is known (an empty map:
    the policy sees each origin as ``unknown``)."""
    if texts is None:
        return {}
    known = set(typed)
    return {
        name: ArgumentOrigin(TYPED) if name in known else origin_of(value, texts)
        for name, value in args.items()
        if value is not None
    }


def call_origins(
    tool: str,
    args: Mapping[str, Any],
    *,
    proposed_by: str,
    texts: TurnTexts | None,
    sources: Mapping[str, str],
    recorded: Mapping[str, ArgumentOrigin] | None = None,
) -> dict[str, ArgumentOrigin]:
    """The origin of each argument a checked call gave (not what the parts
    catalogue added to an order): all typed for a call by hand; else found
    in the turn's ``texts`` (arguments ``sources`` says rules read are
    typed); else as ``recorded`` for a call kept for later."""
    given = {
        name: value
        for name, value in args.items()
        if tool != "order_part" or name not in CATALOGUE_FIELDS
    }
    if proposed_by == "technician":
        return typed_by_hand(given)
    if texts is None and recorded is not None:
        return {name: recorded[name] for name in given if name in recorded}
    read = [name for name, source in sources.items() if source == "rules"]
    return argument_origins(given, texts, typed=read)


def typed_by_hand(args: Mapping[str, Any]) -> dict[str, ArgumentOrigin]:
    """Every argument of a call the technician typed whole is theirs."""
    return {
        name: ArgumentOrigin(TYPED) for name, value in args.items() if value is not None
    }


def origins_evidence(origins: Mapping[str, ArgumentOrigin]) -> dict[str, Any]:
    """The evidence kept with an action: each argument's origin and, for a
    photo or a document, the text it came from."""
    if not origins:
        return {}
    evidence: dict[str, Any] = {
        ORIGINS_KEY: {name: o.origin for name, o in origins.items()}
    }
    refs = {name: o.ref for name, o in origins.items() if o.ref}
    if refs:
        evidence[REFS_KEY] = refs
    return evidence


def origins_from_evidence(evidence: Mapping[str, Any]) -> dict[str, ArgumentOrigin]:
    """The origins an action's evidence records (what cannot be read is
    left out, so the policy sees it as ``unknown``)."""
    refs = evidence.get(REFS_KEY)
    refs = refs if isinstance(refs, Mapping) else {}
    return {
        name: ArgumentOrigin(
            origin, refs.get(name) if isinstance(refs.get(name), str) else None
        )
        for name, origin in origins_in_evidence(evidence).items()
    }


def origin_names(origins: Mapping[str, ArgumentOrigin]) -> dict[str, str]:
    """Argument name to origin, as the policy reads it."""
    return {name: o.origin for name, o in origins.items()}


# --- comparing words ------------------------------------------------------------------


def _text_of(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


@dataclass(frozen=True, slots=True)
class _Text:
    """A text's words, joined for whole-value search, and its shingles."""

    words: tuple[str, ...]
    joined: str
    shingles: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, text: str) -> _Text:
        words = _words(text)
        return cls(words, f" {' '.join(words)} ", _shingles(words))

    def holds(self, words: tuple[str, ...]) -> bool:
        """The whole value is here: the same words in order, or (a code
        written with other separators) a run of words that join the same."""
        if f" {' '.join(words)} " in self.joined:
            return True
        return len(words) < SHINGLE_WORDS and self._joins_to("".join(words))

    def quotes(self, words: tuple[str, ...], request: _Text) -> bool:
        """The value is here whole, or (free text) shares a shingle with this
        text that the request does not hold."""
        if self.holds(words):
            return True
        shared = _shingles(words) & self.shingles
        return bool(shared - request.shingles)

    def _joins_to(self, key: str) -> bool:
        for start in range(len(self.words)):
            run = ""
            for word in self.words[start:]:
                run += word
                if len(run) >= len(key):
                    break
            if run == key:
                return True
        return False


def _shingles(words: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(
        words[i : i + SHINGLE_WORDS] for i in range(len(words) - SHINGLE_WORDS + 1)
    )
