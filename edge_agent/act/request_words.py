"""The words of a request that name a tool, a count, a time, a priority, a
status or a channel, read the way technicians write them.

Everything here reads a *masked* request: lower case, with every code and id
the reader has already placed (part numbers, fault codes, serials, job and
asset ids) replaced by ``#`` characters of the same length, so that no digit
of a code is ever taken for a count and positions still match the request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import OSA

MASK = "#"
"""What stands in the masked request for a code or an id already read."""

ORDER = "order_part"
WORK_ORDER = "create_work_order"
REPAIR = "record_repair"
UPDATE = "update_work_order"
CLOSE = "close_work_order"
CONTACT = "contact_customer"
ESCALATE = "escalate_to_supervisor"


@dataclass(frozen=True, slots=True)
class Cue:
    """Words that name a tool, and how strongly.

    Weights order the kinds of evidence: naming the supervisor outweighs any
    verb (a technician asks the supervisor about orders, customers, repairs);
    asking to reach the customer outweighs the verbs of what the message is
    about; closing or updating a job outweighs the repair it reports; a verb of
    one tool outweighs a loose "need" or "get", or a part number alone.
    """

    tool: str
    weight: int
    pattern: re.Pattern[str]


def _cue(tool: str, weight: int, pattern: str) -> Cue:
    return Cue(tool, weight, re.compile(pattern))


CHANNEL_VERBS: Mapping[str, str] = {
    "call": "phone",
    "phone": "phone",
    "ring": "phone",
    "telephone": "phone",
    "text": "sms",
    "txt": "sms",
    "sms": "sms",
    "msg": "sms",
    "message": "sms",
    "ping": "sms",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
}
"""Verbs (and ``by ...`` words) that say how to reach the customer."""

CHANNEL_NOUNS: Mapping[str, str] = {
    "call": "phone",
    "ring": "phone",
    "bell": "phone",
    "buzz": "phone",
    "voicemail": "phone",
    "text": "sms",
    "txt": "sms",
    "sms": "sms",
    "msg": "sms",
    "message": "sms",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
}
"""What is sent or given to the customer ("send them a text", "give the
client a ring"), and the channel it names."""

_CHANNELS = "|".join(re.escape(word) for word in CHANNEL_VERBS)
_TELL = r"contact|tell|inform|notify|let|advise"
CUSTOMER_WORDS = (
    r"customer|cust|client|owner|site contact|site owner|homeowner|occupier"
    r"|occupant|tenant|end user"
)
"""The person a job is done for, as technicians name them (and plurals)."""
POLITE = r"(?:(?:pls|plz|please|can you|could you|can u)\s+)?"

_CUSTOMER = rf"(?:(?:the|our|my|this|that)\s+)?(?:(?:{CUSTOMER_WORDS})s?|@+)(?![a-z@])"
_NOUNS = "|".join(re.escape(word) for word in CHANNEL_NOUNS) + "|line|note"
CONTACT_LEAD = (
    rf"^\s*{POLITE}(?:"
    rf"(?P<verb>{_CHANNELS}|{_TELL})\s+{_CUSTOMER}"
    rf"|(?:get hold of|get in touch with|reach out to|reach)\s+{_CUSTOMER}"
    rf"|(?:send|drop|give|shoot|leave)\s+{_CUSTOMER}\s+(?:an?\s+)?(?:quick\s+)?"
    rf"(?P<noun>{_NOUNS})\b"
    rf"|(?:send|drop|shoot|leave)\s+(?:an?\s+)?(?:quick\s+)?(?P<sent>{_NOUNS})"
    rf"\s+(?:to|for)\s+{_CUSTOMER}"
    r")"
)
"""An instruction to reach the customer that leads a request: "text the
customer", "get hold of the site contact", "give the client a ring", "send a
message to the owner". The groups ``verb``, ``noun`` and ``sent`` hold the
words that name a channel, if any."""

CUES: tuple[Cue, ...] = (
    _cue(CONTACT, 5, CONTACT_LEAD),
    _cue(ESCALATE, 4, r"\bescalat\w*|\bsupervisors?\b|\bboss\b|\bmanager\b"),
    _cue(ESCALATE, 4, r"\bforeman\b|\bteam ?lead(?:er)?\b"),
    _cue(CONTACT, 3, rf"^\s*{POLITE}(?:{_CHANNELS})\b"),
    _cue(CONTACT, 3, rf"\b(?:{_CHANNELS}|{_TELL})\b.*\b(?:{CUSTOMER_WORDS})s?\b"),
    _cue(CLOSE, 3, r"\bclos(?:e|ed|ing)\b|\bcomplet(?:e|ed)\b|\bfinish(?:ed)?\b"),
    _cue(CLOSE, 3, r"\bsign(?:ed)? ?off\b|\b(?:job|all|work)(?: is)? done\b"),
    _cue(UPDATE, 3, r"\bupdate\b|\badd (?:a )?note\b|\bnote (?:for|to|on)\b|^note\b"),
    _cue(UPDATE, 3, r"\bstatus\b"),
    _cue(REPAIR, 3, r"\b(?:record|log)(?:ged)? (?:a |the )?(?:repair|fix|work)\b"),
    _cue(UPDATE, 2, r"\bwait(?:ing)? (?:for |on )?(?:the )?parts?\b|\bon hold\b"),
    _cue(UPDATE, 2, r"\bawait(?:ing)? (?:the )?parts?\b|\bin progress\b"),
    _cue(UPDATE, 2, r"\bstarted\b|\bon site\b|\bunderway\b"),
    _cue(
        REPAIR,
        2,
        r"\b(?:replaced|repaired|fixed|fitted|changed|swapped|renewed|cleaned"
        r"|adjusted|serviced|tightened|re-?tensioned|installed|overhauled)\b",
    ),
    _cue(WORK_ORDER, 2, r"\bwork ?orders?\b|\bw/?o\b|\bjob card\b"),
    _cue(WORK_ORDER, 2, r"\b(?:book|schedule|replace|repair|fix|raise|overhaul)\b"),
    _cue(ORDER, 2, r"\b(?:order|reorder|buy|purchase)\b"),
    _cue(ORDER, 1, r"\b(?:get|need|needs|want|require|send)\b"),
)
"""Cues over the masked request, strongest first within each tool."""

NOT_AN_ORDER_AFTER = frozenset(
    {"work", "on", "the", "an", "this", "that", "my", "your", "purchase", "parts"}
)
"""Words before "order" that make it a noun (a work order, on order)."""

PART_CUE_WEIGHT = 1
"""A part number and nothing else asks for that part: as loose as "need"."""

TYPO_CUES: Mapping[str, str] = {
    "order": ORDER,
    "reorder": ORDER,
    "purchase": ORDER,
    "escalate": ESCALATE,
    "close": CLOSE,
    "complete": CLOSE,
    "finish": CLOSE,
    "update": UPDATE,
    "replace": WORK_ORDER,
    "repair": WORK_ORDER,
    "schedule": WORK_ORDER,
    "replaced": REPAIR,
    "repaired": REPAIR,
    "fixed": REPAIR,
    "fitted": REPAIR,
    "changed": REPAIR,
    "renewed": REPAIR,
    "record": REPAIR,
    "phone": CONTACT,
    "email": CONTACT,
}
"""Verbs of four letters or more read with one slip when they lead a request
("ordr", "replce", "esclate"): a request leads with its verb, and a slip in
any other word is more likely another word than a verb."""


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """The tool the words name, or none and why."""

    tool: str | None
    weights: Mapping[str, int]
    note: str = ""


def choose_tool(masked: str, *, names_a_part: bool) -> ToolChoice:
    """The tool with the strongest cue; none when two tools tie or none is cued."""
    read = with_leading_slip_read(masked)
    weights: dict[str, int] = {}
    for cue in CUES:
        if any(_counts(cue, read, m) for m in cue.pattern.finditer(read)):
            weights[cue.tool] = max(weights.get(cue.tool, 0), cue.weight)
    if names_a_part:
        weights[ORDER] = max(weights.get(ORDER, 0), PART_CUE_WEIGHT)
    if not weights:
        return ToolChoice(None, weights, "no verb names a tool")
    top = max(weights.values())
    best = sorted(tool for tool, weight in weights.items() if weight == top)
    if len(best) > 1:
        return ToolChoice(None, weights, "the words name " + " and ".join(best))
    return ToolChoice(best[0], weights)


def _counts(cue: Cue, masked: str, match: re.Match[str]) -> bool:
    """A match counts unless it is the noun "order" (a work order, on order)."""
    if cue.tool != ORDER or not match.group().startswith("order"):
        return True
    before = masked[: match.start()].split()
    return not before or before[-1] not in NOT_AN_ORDER_AFTER


_LEADING_WORD = re.compile(rf"^\s*{POLITE}([a-z]+)\b")


def with_leading_slip_read(masked: str) -> str:
    """The request with its first word read as the verb it slips from, if one."""
    match = _LEADING_WORD.match(masked)
    if match is None:
        return masked
    verb = slipped_verb(match[1])
    if verb is None:
        return masked
    return masked[: match.start(1)] + verb + masked[match.end(1) :]


def slipped_verb(word: str) -> str | None:
    """The one verb of :data:`TYPO_CUES` that ``word`` is a slip of, if any."""
    if len(word) < 4 or word in TYPO_CUES:
        return None
    verbs = [verb for verb in TYPO_CUES if OSA.distance(word, verb) == 1]
    return verbs[0] if len({TYPO_CUES[v] for v in verbs}) == 1 else None


# --- counts -------------------------------------------------------------------

_CARDINALS = (
    "zero one two three four five six seven eight nine ten eleven twelve "
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS: Mapping[str, int] = {
    word: value for value, word in enumerate(_CARDINALS.split())
} | {"single": 1}
_WORD = "|".join(_NUMBER_WORDS)
_PHRASES: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (re.compile(r"\bhalf a dozen\b"), 6),
    (re.compile(rf"\b({_WORD}) dozen\b"), None),
    (re.compile(r"\b(?:a )?dozen\b"), 12),
    (re.compile(r"\b(?:a )?(?:pair|couple)(?: of)?\b"), 2),
)
"""Counts written as phrases; ``None`` multiplies the number word by 12."""
UNITS = (
    r"mm|cm|m|km|bar|mbar|psi|v|kv|a|ma|ah|kw|w|hz|rpm|c|°c|°|%|h|hr|hrs|hours?"
    r"|min|mins|minutes?|s|sec|secs|l|ltr|litres?|liters?|kg|g|weeks?|wks?|days?"
    r"|am|pm|st|nd|rd|th|nm|mpa|kpa"
)
_COUNT_DIGITS = re.compile(
    r"(?<![\w.#:/-])(?:x\s*)?(\d{1,3})(?![\w.:/-]|\s*(?:" + UNITS + r")\b)"
)
_COUNT_MARKED = re.compile(
    r"\b(?:qty|quantity)\s*[:=]?\s*(\d{1,3})\b"
    r"|(?<![\w.#-])(\d{1,3})\s*(?:x|off|pcs?|pieces?|no\.?|nos|units?)(?![\w])"
)
_COUNT_WORD = re.compile(rf"\b({_WORD})\b(?!\s*(?:hours?|hrs?|h|minutes?|mins?)\b)")


def counts(masked: str) -> set[int]:
    """Every count the request writes: digits, words, "a dozen", "x3", "3 off"."""
    found: set[int] = set()
    rest = masked
    for pattern, value in _PHRASES:
        for match in pattern.finditer(rest):
            found.add(value if value is not None else 12 * _NUMBER_WORDS[match[1]])
        rest = pattern.sub(lambda m: " " * len(m.group()), rest)
    for match in _COUNT_MARKED.finditer(rest):
        found.add(int(match[1] or match[2]))
    for match in _COUNT_DIGITS.finditer(rest):
        if not _is_range(rest, match):
            found.add(int(match[1]))
    found.update(_NUMBER_WORDS[m[1]] for m in _COUNT_WORD.finditer(rest))
    return found


def _is_range(text: str, match: re.Match[str]) -> bool:
    """``2-3`` or ``2 to 3``: a span of time or a size, not a count."""
    after = text[match.end() : match.end() + 4]
    return re.match(r"\s*(?:-|to\s)\s*\d", after) is not None


def plural_next_to(masked: str, start: int, end: int) -> bool:
    """The word next to a code is a plural noun ("gaskets 4471-...")."""
    before = re.findall(r"[a-z]+", masked[max(0, start - 30) : start])
    after = re.findall(r"[a-z]+", masked[end : end + 30])
    words = before[-1:] + after[:1]
    return any(_plural(word) for word in words)


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us"))


# --- time, priority, status, channel --------------------------------------------

_HOURS = re.compile(r"(?<![\w.#-])(\d{1,2}(?:\.\d+)?)\s*(?:h|hr|hrs|hours?)\b")
_MINUTES = re.compile(r"(?<![\w.#-])(\d{1,3})\s*(?:min|mins|minutes?)\b")
_WORD_HOURS = re.compile(rf"\b({_WORD}|an?)\s+(?:hours?|hrs?)\b")
_HALF_HOUR = re.compile(r"\bhalf an? hour\b")
MAX_HOURS = 24.0


def hours(masked: str) -> set[float]:
    """Every time spent the request writes, in hours ("1.5h", "45 min")."""
    found = {float(m[1]) for m in _HOURS.finditer(masked)}
    found |= {round(int(m[1]) / 60, 2) for m in _MINUTES.finditer(masked)}
    rest = _HALF_HOUR.sub(" ", masked)
    if rest != masked:
        found.add(0.5)
    found |= {float(_NUMBER_WORDS.get(m[1], 1)) for m in _WORD_HOURS.finditer(rest)}
    return {value for value in found if 0 < value <= MAX_HOURS}


PRIORITIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "low",
        re.compile(
            r"\blow prio(?:rity)?\b|\bprio(?:rity)? low\b|\bwhen(?:ever)? convenient\b"
            r"|\bno rush\b|\bnot urgent\b|\bno hurry\b"
        ),
    ),
    ("high", re.compile(r"\bhigh prio(?:rity)?\b|\bprio(?:rity)? high\b")),
    (
        "urgent",
        re.compile(r"(?<!not )\burgent(?:ly)?\b|\basap\b|\ba\.s\.a\.p\b|\bemergency\b"),
    ),
)


def priorities(masked: str) -> set[str]:
    """The priorities a request writes; "not urgent" is low, never urgent."""
    found: set[str] = set()
    rest = masked
    for name, pattern in PRIORITIES:
        if pattern.search(rest):
            found.add(name)
            rest = pattern.sub(" ", rest)
    return found


STATUSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "waiting_parts",
        re.compile(
            r"\bwait(?:ing)? (?:for |on )?(?:the )?parts?\b"
            r"|\bawait(?:ing)? (?:the )?parts?\b"
        ),
    ),
    ("on_hold", re.compile(r"\bon hold\b")),
    (
        "in_progress",
        re.compile(r"\bin progress\b|\bstarted\b|\bon site\b|\bunderway\b"),
    ),
)


def statuses(masked: str) -> set[str]:
    """The work order statuses a request writes."""
    return {name for name, pattern in STATUSES if pattern.search(masked)}


def channels(words: Iterable[str]) -> set[str]:
    """The channels these words name (call: phone, text: sms, email: email)."""
    named = {**CHANNEL_NOUNS, **CHANNEL_VERBS}
    return {named[word] for word in words if word in named}
