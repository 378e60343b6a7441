"""The grounding check: a model sentence is shown only if its sources back it.

Each sentence of model text is checked against the sources it cites (or all
the sources it was given, when it cites none): every citation must be one of
those sources; every code, part number and number (with its unit) must appear
in them; a "CODE: meaning" must say that code's knowledge-base description
(its first words all from the description: "C-112: Low oil pressure" for an
interstage pressure trip is dropped); a named procedure must be named in them;
a present code must not be called absent; and a sentence must not repeat
itself or an earlier one. A sentence must also earn its place: no fragment
("GENY: 1."), and something beyond what the technician already sees (a
content word that neither the question nor any one quoted line holds, or
words of several of them brought together). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from knowledge_cache import STOP_WORDS, code_key, code_keys_in_text, looks_like_code

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_CODE_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*")
_UNITS = (
    r"%|bar|psi|kpa|mpa|°c|degc|°f|mm|cm|km|m|h|hrs?|hours?|min|minutes?|s|sec|"
    r"seconds?|nm|v|kv|a|ma|kw|w|hz|rpm|l|ml|kg|g"
)
_NUMBER = re.compile(
    rf"(?<![\w.])(\d+(?:[.,]\d+)?)(?:\s?({_UNITS}))?(?![\w])", re.IGNORECASE
)
_CODE_MEANING = re.compile(
    r"(?P<code>[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*)\s*(?::|means|indicates|=|is)\s+"
    r"(?:an?\s+|the\s+)?(?P<meaning>[^.;,\[]{3,})",
    re.IGNORECASE,
)
_ABSENT = re.compile(
    r"not (?:in|found in) the (?:knowledge base|manual|table)|does not exist|"
    r"no such code|unknown code|is not a valid code",
    re.IGNORECASE,
)
_PROCEDURE = re.compile(r"([\w/-]+)\s+procedure", re.IGNORECASE)
"""A named procedure: the word before "procedure" ("lockout procedure")."""
_WORD = re.compile(r"[a-z]+")
_HAS_WORD = re.compile(r"[A-Za-z]{2}")
_PROMPT_MARKUP = re.compile(r"<<<|\bEND SOURCE\b|\bSOURCE \d")


_NEGATIONS = frozenset({"not", "no", "never", "without"})

MIN_SHARED_WORDS = 0.5
"""Share of a sentence's content words that its sources must contain."""

MIN_WORDS_FOR_TOPIC_CHECK = 3

FRAGMENT = "a fragment, not a sentence"
ADDS_NOTHING = "adds nothing to the question and the quotes"
REDUNDANT = frozenset({FRAGMENT, ADDS_NOTHING})

MIN_SENTENCE_WORDS = 4
"""Fewest words of a sentence worth showing; fewer make a fragment."""


@dataclass(frozen=True, slots=True)
class Source:
    """A retrieved chunk as the model saw it: ``[number]`` in the prompt."""

    number: int
    chunk_id: str
    text: str


@dataclass(frozen=True, slots=True)
class SentenceVerdict:
    """One model sentence, the chunks it cites, and what is wrong with it."""

    sentence: str
    cited: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def supported(self) -> bool:
        return not self.problems

    @property
    def redundant(self) -> bool:
        """Dropped only for adding nothing (a fragment, a repeated quote):
        true to the sources, but not worth showing."""
        return bool(self.problems) and set(self.problems) <= REDUNDANT


@dataclass(frozen=True, slots=True)
class GroundingContext:
    """What sentences are checked against.

    Args:
        sources: the retrieved chunks offered to the model.
        code_meanings: knowledge-base description of every code the sources
            or the question mention, by code key.
        code_patterns: the KB's declared code formats, compiled.
        shown: what the technician already sees: the question and each
            quoted line. A sentence that only repeats one of them adds
            nothing; empty, the check is not made.
    """

    sources: Sequence[Source]
    code_meanings: Mapping[str, str]
    code_patterns: Sequence[re.Pattern[str]] = ()
    shown: Sequence[str] = ()


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, citation markers kept with their sentence.

    Fragments without a word (list numbers such as ``2.``) are not sentences.
    """
    parts = (part.strip() for part in _SENTENCE_END.split(text))
    return [part for part in parts if _HAS_WORD.search(part)]


def check_sentence(
    sentence: str, context: GroundingContext, earlier: Sequence[str] = ()
) -> SentenceVerdict:
    """Check one sentence; ``earlier`` are the sentences before it."""
    numbers, problems = _citations(sentence, context.sources)
    by_number = {source.number: source for source in context.sources}
    scope = [by_number[n] for n in numbers if n in by_number] or list(context.sources)
    scope_text = "\n".join(source.text for source in scope)
    claim = _CITATION.sub(" ", sentence)
    problems.extend(_code_problems(claim, scope_text, context))
    problems.extend(_number_problems(claim, scope_text))
    problems.extend(_meaning_problems(claim, context.code_meanings))
    problems.extend(_procedure_problems(claim, scope_text))
    problems.extend(_topic_problems(claim, scope_text))
    problems.extend(_repetition_problems(claim, earlier))
    problems.extend(_addition_problems(claim, context.shown))
    if _PROMPT_MARKUP.search(claim):
        problems.append("copies the prompt's source markers")
    return SentenceVerdict(
        sentence=sentence,
        cited=tuple(dict.fromkeys(source.chunk_id for source in scope if numbers)),
        problems=tuple(problems),
    )


def _citations(sentence: str, sources: Sequence[Source]) -> tuple[list[int], list[str]]:
    known = {source.number for source in sources}
    numbers = [
        int(n) for group in _CITATION.findall(sentence) for n in group.split(",")
    ]
    problems = [
        f"cites source [{n}], which was not retrieved"
        for n in numbers
        if n not in known
    ]
    return numbers, problems


def _code_problems(claim: str, scope_text: str, context: GroundingContext) -> list[str]:
    allowed = code_keys_in_text(scope_text, context.code_patterns)
    mentioned = code_keys_in_text(claim, context.code_patterns)
    problems = [
        f"code {key} is not in the sources" for key in sorted(mentioned - allowed)
    ]
    if _ABSENT.search(claim):
        problems.extend(
            f"calls {key} absent, but the knowledge base has it"
            for key in sorted(mentioned & set(context.code_meanings))
        )
    return problems


def _number_problems(claim: str, scope_text: str) -> list[str]:
    # Digits inside codes are no quantities: "6630" of part 6630-X90-002 does
    # not back "6630 litres".
    without_codes = _without_codes(claim)
    available = _numbers(_without_codes(scope_text))
    problems = []
    for value, unit in _numbers(without_codes):
        if (value, unit) not in available and not (
            unit == "" and any(v == value for v, _ in available)
        ):
            shown = f"{value} {unit}".strip()
            problems.append(f"number {shown} is not in the sources")
    return problems


def _without_codes(text: str) -> str:
    return _CODE_TOKEN.sub(
        lambda m: " " if looks_like_code(m.group()) else m.group(), text
    )


def _numbers(text: str) -> set[tuple[str, str]]:
    found = set()
    for match in _NUMBER.finditer(text):
        value = match.group(1).replace(",", ".")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add((value, (match.group(2) or "").lower()))
    return found


def _meaning_problems(claim: str, meanings: Mapping[str, str]) -> list[str]:
    problems = []
    for match in _CODE_MEANING.finditer(claim):
        key = code_key(match.group("code"))
        if key not in meanings:
            continue
        truth = _meaning_words(meanings[key])
        said = _meaning_words(match.group("meaning"))[: len(truth)]
        if not said or not set(said) <= set(truth):
            problems.append(
                f"gives {match.group('code')} a meaning that is not its "
                f"knowledge-base text ({meanings[key]!r})"
            )
    return problems


def _meaning_words(text: str) -> list[str]:
    """The words of a code's meaning, short ones and negations included ("low
    oil pressure", "not running"), cut to a five-letter stem, in order."""
    return [
        word[:5]
        for word in _WORD.findall(text.lower())
        if word not in STOP_WORDS or word in _NEGATIONS
    ]


def _procedure_problems(claim: str, scope_text: str) -> list[str]:
    scope_words = _content_words(scope_text)
    problems = []
    for match in _PROCEDURE.finditer(claim):
        name = _content_words(match.group(1))
        if name and not name <= scope_words:
            problems.append(f"names a procedure the sources do not: {match.group(0)!r}")
    return problems


def _topic_problems(claim: str, scope_text: str) -> list[str]:
    said = _content_words(claim)
    if len(said) < MIN_WORDS_FOR_TOPIC_CHECK:
        return []
    shared = len(said & _content_words(scope_text)) / len(said)
    if shared < MIN_SHARED_WORDS:
        return [f"only {shared:.0%} of its words are in the sources"]
    return []


def _addition_problems(claim: str, shown: Sequence[str]) -> list[str]:
    """What keeps ``claim`` from adding to what is ``shown``: a fragment, or
    content words all found in one shown text (the question or a quote)."""
    if not shown:
        return []
    words = _WORD.findall(claim.lower())
    said = _content_words(claim)
    if len(words) < MIN_SENTENCE_WORDS or not said:
        return [FRAGMENT]
    if any(said <= _content_words(text) for text in shown):
        return [ADDS_NOTHING]
    return []


def _repetition_problems(claim: str, earlier: Sequence[str]) -> list[str]:
    words = _WORD.findall(claim.lower())
    normalised = " ".join(words)
    if normalised and normalised in {
        " ".join(_WORD.findall(_CITATION.sub(" ", e).lower())) for e in earlier
    }:
        return ["repeats an earlier sentence"]
    grams = [" ".join(words[i : i + 4]) for i in range(len(words) - 3)]
    if grams and max(grams.count(gram) for gram in grams) >= 3:
        return ["repeats itself"]
    return []


def _content_words(text: str) -> set[str]:
    """Words of four or more letters, cut to a five-letter stem."""
    return {
        word[:5]
        for word in _WORD.findall(text.lower())
        if len(word) >= 4 and word not in STOP_WORDS
    }
