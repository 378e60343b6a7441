"""The domain glossary: abbreviations, everyday words and unit spellings.

Technicians type "genny running hot" where the manual says "generator set"
and "high temperature". The glossary, kept as data, pairs the two so that
search can look for the manual's words as well as the technician's.

Two layers, merged: the general field-maintenance glossary shipped with this
package (``knowledge_cache/data/glossary.toml``), and the knowledge base's own
``glossary.toml``, ingested and versioned with the KB like ``kb.toml`` (so the
centre extends it with a KB update). The file format::

    [glossary]
    name = "..."
    version = "2026.11.1"

    [[abbreviation]]              # the two spellings mean the same
    short = "NPSH"
    long = "net positive suction head"

    [[synonym]]                   # a technician's words -> the manual's words
    words = ["shaking", "wobble"]
    means = ["vibration"]

    [[unit]]                      # a unit and the other ways it is written
    symbol = "bar"
    spellings = ["bars"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from knowledge_cache.errors import IngestError
from knowledge_cache.stemming import stem_words
from knowledge_cache.stopwords import STOP_WORDS

GLOSSARY_FILE = "glossary.toml"
_TOKEN = re.compile(r"\w+(?:['’]\w+)?", re.UNICODE)
MAX_PHRASE_WORDS = 4


class PhraseTable(dict[str, set[str]]):
    """Phrases (by stems) and their alternatives, knowing its longest key."""

    @property
    def longest(self) -> int:
        """Words in the longest phrase (computed once)."""
        cached: int | None = getattr(self, "_longest", None)
        if cached is None:
            cached = max((len(key.split()) for key in self), default=0)
            self._longest = cached
        return cached


@dataclass(frozen=True, slots=True)
class Abbreviation:
    short: str
    long: str


@dataclass(frozen=True, slots=True)
class Synonym:
    """Words a technician uses (``words``) for the manual's ``means``."""

    words: tuple[str, ...]
    means: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str
    spellings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Glossary:
    """One glossary file, or several merged (later layers add to earlier)."""

    name: str = ""
    version: str = ""
    abbreviations: tuple[Abbreviation, ...] = ()
    synonyms: tuple[Synonym, ...] = ()
    units: tuple[Unit, ...] = ()
    layers: tuple[str, ...] = field(default=())

    def merged(self, other: Glossary) -> Glossary:
        """This glossary with ``other``'s entries added after its own."""
        return Glossary(
            name=other.name or self.name,
            version=other.version or self.version,
            abbreviations=self.abbreviations + other.abbreviations,
            synonyms=self.synonyms + other.synonyms,
            units=self.units + other.units,
            layers=self.layers + other.layers,
        )

    def phrase_alternatives(self) -> PhraseTable:
        """Each phrase, by the Porter stems of its words ("gensets" and
        "genset" are one key), and the phrases to search for with it.

        Abbreviations work both ways; synonyms lead from the technician's
        words to the manual's. Units are apart (:meth:`unit_alternatives`).
        """
        table = PhraseTable()
        for abbreviation in self.abbreviations:
            short, long = abbreviation.short.lower(), abbreviation.long.lower()
            _add(table, short, {long})
            _add(table, long, {short})
        for synonym in self.synonyms:
            for word in synonym.words:
                _add(table, word, set(synonym.means))
        return table

    def unit_alternatives(self) -> PhraseTable:
        """Each way of writing a unit (by stems) and the others, for a unit
        written after a number ("10 min", "10 minutes")."""
        table = PhraseTable()
        for unit in self.units:
            forms = {unit.symbol.lower(), *unit.spellings}
            for form in forms:
                _add(table, form, forms)
        return table


def _add(table: dict[str, set[str]], phrase: str, alternatives: set[str]) -> None:
    words = tokens(phrase)
    if not words:
        return
    key = " ".join(stem_words(words))
    table.setdefault(key, set()).update(
        alternative
        for alternative in alternatives
        if _searchable(alternative) and tokens(alternative) != words
    )


def _searchable(phrase: str) -> bool:
    """A phrase worth searching: not a lone letter or stop word ("a", "s")."""
    words = tokens(phrase)
    return bool(words) and not (
        len(words) == 1 and (len(words[0]) < 2 or words[0] in STOP_WORDS)
    )


def tokens(text: str) -> list[str]:
    """Lower-case words, keeping contractions whole ("won't"); how questions
    and glossary phrases are compared."""
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


def parse_glossary(data: bytes, layer: str = GLOSSARY_FILE) -> Glossary:
    """Parse a glossary file.

    Raises:
        IngestError: not TOML, or an entry without its fields; the message
            names the entry.
    """
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(f"is not valid TOML ({exc}).") from exc
    header = document.get("glossary", {})
    if not isinstance(header, dict):
        raise IngestError("[glossary] must be a table.")
    return Glossary(
        name=str(header.get("name", "")),
        version=str(header.get("version", "")),
        abbreviations=tuple(
            Abbreviation(_text(e, "short", where), _text(e, "long", where).lower())
            for where, e in _entries(document, "abbreviation")
        ),
        synonyms=tuple(
            Synonym(_phrases(e, "words", where), _phrases(e, "means", where))
            for where, e in _entries(document, "synonym")
        ),
        units=tuple(
            Unit(_text(e, "symbol", where), _phrases(e, "spellings", where))
            for where, e in _entries(document, "unit")
        ),
        layers=(layer,),
    )


@cache
def default_glossary() -> Glossary:
    """The general glossary shipped with this package."""
    data = resources.files("knowledge_cache").joinpath("data", GLOSSARY_FILE)
    return parse_glossary(data.read_bytes(), layer="general")


def _entries(document: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
    entries = document.get(name, [])
    if not isinstance(entries, list):
        raise IngestError(f"{name} must be an array of tables ([[{name}]]).")
    found = []
    for number, entry in enumerate(entries, 1):
        where = f"{name} entry {number}"
        if not isinstance(entry, dict):
            raise IngestError(f"{where} must be a table.")
        found.append((where, entry))
    return found


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise IngestError(f"{where} needs a non-empty '{key}'.")
    return " ".join(value.split())


def _phrases(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key)
    if not isinstance(value, list) or not value:
        raise IngestError(f"{where} needs a non-empty list '{key}'.")
    phrases = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise IngestError(f"{where}: every item of '{key}' must be text.")
        phrase = " ".join(item.lower().split())
        if len(phrase.split()) > MAX_PHRASE_WORDS:
            raise IngestError(
                f"{where}: '{item}' is longer than {MAX_PHRASE_WORDS} words."
            )
        phrases.append(phrase)
    return tuple(phrases)
