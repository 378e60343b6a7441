"""The free text of a request: a summary, a note, a resolution, the work done,
a message to the customer, in the technician's own words.

Nothing is written for the technician: the text is what they typed, without
the instruction that leads it ("escalate J-1005:", "text the customer
that ..."). When only the instruction is there, there is no text, and the
model is asked for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge_agent.act import request_words as w


def words(text: str) -> frozenset[str]:
    """The words of ``text``, split at spaces."""
    return frozenset(text.split())


FILLER = words(
    "pls plz please can could you u the a an this that it to for on of in my me "
    "job jobs one unit now up out and with by re about at"
)
"""Words an instruction holds beside its verb."""

INSTRUCTION_WORDS: dict[str, frozenset[str]] = {
    w.ESCALATE: words(
        "escalate escalated escalating escalation supervisor supervisors boss "
        "manager foreman team lead leader flag flagged ask need needs help from "
        "get call ring phone text tell inform message email raise"
    ),
    w.CLOSE: words(
        "close closed closing complete completed finish finished sign signed off "
        "done all work order wo mark as is"
    ),
    w.UPDATE: words("update add note notes status work order wo"),
    w.REPAIR: words("record log logged repair repairs fix"),
    w.WORK_ORDER: words(
        "open raise create new make book schedule work order orders wo w card "
        "urgent need needs"
    ),
}
"""The words of each tool's instruction, beside :data:`FILLER`."""

_SEPARATOR = re.compile(r"\s*[,:;]\s*|\s+[-\u2013]\s+")
_TRIM = " \t,.;:-\u2013!?"
DEFAULT_LIMIT = 1000
"""The longest free text of any tool."""


def free_text(text: str, masked: str, tool: str) -> str:
    """``text`` without the instruction that leads it, or "" when only the
    instruction is there.

    The instruction is what comes before the first comma, colon or dash when
    it holds only the tool's words, fillers and ids ("close J-1001, ...");
    otherwise the whole request is the technician's description.
    """
    words = INSTRUCTION_WORDS.get(tool, frozenset())
    separator = _SEPARATOR.search(text)
    end = separator.start() if separator else len(text)
    if not _only_instruction(masked[:end], words):
        return _trimmed(text)
    return _trimmed(text[separator.end() :]) if separator else ""


def _only_instruction(masked: str, words: frozenset[str]) -> bool:
    found = re.findall(r"[a-z]+", w.with_leading_slip_read(masked))
    return all(word in words or word in FILLER for word in found)


def _trimmed(text: str) -> str:
    return text.strip(_TRIM)


def limited(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0]
    return cut[:limit].rstrip(_TRIM)


@dataclass(frozen=True, slots=True)
class Message:
    """A message for the customer and the channels its instruction names."""

    text: str
    channels: frozenset[str]


_CHANNELS = "|".join(re.escape(word) for word in w.CHANNEL_VERBS)
_CONTACT = re.compile(
    rf"(?:{w.CONTACT_LEAD})"
    rf"(?P<mods>(?:\s*,?\s*(?:(?:by|via|over)\s+(?:the\s+)?(?:{_CHANNELS})|know"
    r"|(?:on|for|re|of|about|at)\s+#+|#+)(?![a-z#]))*)"
    r"\s*(?:[:,\-\u2013]\s*)?"
    r"(?:(?:and\s+)?(?:say|tell them|let them know)\s+(?:that\s+)?"
    r"|saying\s+(?:that\s+)?|that\s+|to\s+)?"
)


def contact_message(text: str, masked: str) -> Message | None:
    """The message after an instruction such as "text the customer that",
    "call customer on J-1003," or "let the customer know by email:".

    ``None`` when the request does not lead with such an instruction; a
    message of "" when nothing follows it.
    """
    match = _CONTACT.match(masked)
    if match is None:
        return None
    named = [
        *(match[group] for group in ("verb", "noun", "sent") if match[group]),
        *re.findall(r"[a-z-]+", match["mods"]),
    ]
    return Message(_trimmed(text[match.end() :]), frozenset(w.channels(named)))
