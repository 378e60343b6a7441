"""A tool's arguments as a form: one field per argument, read from the tool's
JSON schema in its order, and the text typed in each field read back into a
typed value (or a plain-words problem with it).

Nothing here draws or stores anything: the terminal app draws the fields, and
:mod:`edge_agent.act.preview` says what the policy would decide. Only the
standard library is imported at load (the app imports this at start-up).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from edge_agent.jobs import JobBook
    from knowledge_cache import CodeEntry

FieldKind = Literal["text", "integer", "number", "choice"]
Source = Literal["", "job", "asset", "part"]
"""Where a field's values come from besides typing: the job list's jobs or
assets, or the parts catalogue."""

SOURCES: Mapping[str, Source] = {
    "job_id": "job",
    "asset_id": "asset",
    "part_number": "part",
}
LONG_TEXT = 200
"""Text that may be longer than this is free text (a note, a summary)."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One argument of a tool, as a form shows it."""

    name: str
    label: str
    kind: FieldKind
    required: bool
    default: str = ""
    """The schema's default, as it is typed ("" when there is none)."""
    choices: tuple[str, ...] = ()
    """The only values allowed (an enum), in the schema's order."""
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str = ""
    source: Source = ""

    @property
    def long_text(self) -> bool:
        return self.max_length is not None and self.max_length > LONG_TEXT

    @property
    def hint(self) -> str:
        """What the field takes, in a few words (an empty field shows it)."""
        span = _span(self.minimum, self.maximum)
        if self.kind == "integer":
            return f"a whole number{span}"
        if self.kind == "number":
            return f"a number{span}"
        if self.max_length is not None:
            return f"at most {self.max_length} characters"
        return ""


@dataclass(frozen=True, slots=True)
class FormReading:
    """The typed values of a form, and what is wrong with the rest."""

    args: dict[str, Any]
    """The arguments that read well; empty optional fields are left out."""
    problems: dict[str, str]
    """A plain-words problem per field name."""

    @property
    def complete(self) -> bool:
        return not self.problems


def form_fields(schema: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
    """The fields of a tool's argument schema (pydantic's JSON schema), in its
    order; an argument that may be null counts as optional."""
    required = set(schema.get("required", ()))
    return tuple(
        _field(name, prop, name in required)
        for name, prop in schema.get("properties", {}).items()
    )


def _field(name: str, prop: Mapping[str, Any], required: bool) -> FieldSpec:
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    shape = options[0] if options else {}
    enum = tuple(str(value) for value in shape.get("enum", ()))
    kind: FieldKind = (
        "choice"
        if enum
        else "integer"
        if shape.get("type") == "integer"
        else "number"
        if shape.get("type") == "number"
        else "text"
    )
    default = prop.get("default")
    return FieldSpec(
        name=name,
        label=field_label(name),
        kind=kind,
        required=required,
        default="" if default is None else str(default),
        choices=enum,
        max_length=shape.get("maxLength"),
        minimum=shape.get("minimum"),
        maximum=shape.get("maximum"),
        pattern=str(shape.get("pattern", "")),
        source=SOURCES.get(name, ""),
    )


def field_label(name: str) -> str:
    """``part_number`` as a person reads it: ``Part number``."""
    return name.replace("_", " ").capitalize()


def read_form(fields: Iterable[FieldSpec], texts: Mapping[str, str]) -> FormReading:
    """Read every field's text (a missing one reads as empty)."""
    args: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in fields:
        try:
            value = read_value(spec, texts.get(spec.name, ""))
        except ValueError as exc:
            problems[spec.name] = str(exc)
            continue
        if value is not None:
            args[spec.name] = value
    return FormReading(args, problems)


def read_value(spec: FieldSpec, text: str) -> Any:
    """The value typed in one field: ``None`` for an empty optional field.

    Raises:
        ValueError: the text does not fit the field; the message says why in
            plain words, naming the field.
    """
    text = text.strip()
    if not text:
        if spec.required:
            listed = spec.kind == "choice" or spec.source in ("job", "asset")
            verb = "pick one" if listed else "type it"
            raise ValueError(f"{spec.label} is needed: {verb}.")
        return None
    if spec.kind == "choice":
        if text not in spec.choices:
            raise ValueError(f"{spec.label} must be one of {', '.join(spec.choices)}.")
        return text
    if spec.kind in ("integer", "number"):
        return _number(spec, text)
    return _text(spec, text)


def _number(spec: FieldSpec, text: str) -> int | float:
    try:
        value: int | float = int(text) if spec.kind == "integer" else float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        example = "2" if spec.kind == "integer" else "1.5"
        what = "a whole number" if spec.kind == "integer" else "a number"
        raise ValueError(f"{spec.label} must be {what}, like {example}, not {text!r}.")
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"{spec.label} must be at least {_plain(spec.minimum)}.")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"{spec.label} must be at most {_plain(spec.maximum)}.")
    return value


def _text(spec: FieldSpec, text: str) -> str:
    if spec.max_length is not None and len(text) > spec.max_length:
        raise ValueError(
            f"{spec.label} is too long: {len(text)} characters, at most "
            f"{spec.max_length}."
        )
    if spec.pattern and re.search(spec.pattern, text) is None:
        raise ValueError(
            f"{spec.label} {text!r} has characters an id cannot have: letters, "
            "digits and _ . - / only, starting with a letter or digit."
        )
    return text


def _span(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f", {_plain(minimum)} to {_plain(maximum)}"
    if minimum is not None:
        return f", at least {_plain(minimum)}"
    if maximum is not None:
        return f", at most {_plain(maximum)}"
    return ""


def _plain(number: float) -> str:
    """``1`` for 1.0, ``2.5`` for 2.5."""
    return str(int(number)) if float(number).is_integer() else str(number)


# --- what the device knows: jobs, assets, parts -----------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """A value a field can take, and how it reads in a list."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Part:
    """A part of the catalogue, as a form shows it under the part number."""

    code: str
    key: str
    """The code's compact key (case and separators ignored)."""
    description: str
    equipment: str = ""
    unit_price: str = ""
    currency: str = ""
    stock: str = ""

    def summary(self) -> str:
        """``Strainer cover gasket (HydraFlow HP-300): 9.80 EUR each, in stock``."""
        text = self.description
        if self.equipment:
            text += f" ({self.equipment})"
        price = f"{self.unit_price} {self.currency}".strip()
        text += f": {price} each" if price else ": no price in the catalogue"
        return f"{text}, {self.stock}" if self.stock else text


@dataclass(frozen=True, slots=True)
class FormChoices:
    """What the device knows that a form offers: jobs and assets from the
    job list, parts from the catalogue."""

    jobs: tuple[Choice, ...] = ()
    assets: tuple[Choice, ...] = ()
    parts: tuple[Part, ...] = ()
    notice: str = ""
    """Why some choices are missing (a damaged job list), if they are."""
    _by_key: dict[str, Part] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_key.update({part.key: part for part in self.parts})

    def options(self, source: Source) -> tuple[Choice, ...]:
        """The values a field of ``source`` offers ('' and 'part' offer none)."""
        return {"job": self.jobs, "asset": self.assets}.get(source, ())

    def part(self, typed: str) -> Part | None:
        """The catalogue's part for a typed number (case and separators aside)."""
        return self._by_key.get(_code_key(typed))

    def part_note(self, typed: str) -> str:
        """What the catalogue says of a part number being typed."""
        typed = typed.strip()
        if not typed:
            return ""
        if not self.parts:
            return "The parts catalogue is empty: a sync brings it."
        part = self.part(typed)
        if part is not None:
            return part.summary()
        key = _code_key(typed)
        starting = [p for p in self.parts if p.key.startswith(key)]
        if len(starting) == 1:
            return f"{starting[0].code}? {starting[0].summary()}"
        if starting:
            return f"{len(starting)} parts start with {typed}: keep typing."
        return f"{typed} is not in the parts catalogue."


def choices_from(
    book: JobBook, parts: Sequence[CodeEntry], notice: str = ""
) -> FormChoices:
    """The choices of a form from the job list and the catalogue's entries."""
    jobs = tuple(
        Choice(job.job_id, f"{job.job_id}  {job.summary}")
        for job in sorted(book.jobs.values(), key=lambda job: job.job_id)
    )
    assets = tuple(
        Choice(asset.asset_id, f"{asset.asset_id}  {asset.model}, {asset.site_id}")
        for asset in sorted(book.assets.values(), key=lambda asset: asset.asset_id)
    )
    return FormChoices(jobs, assets, tuple(_part(entry) for entry in parts), notice)


def _part(entry: CodeEntry) -> Part:
    attributes = entry.attributes
    return Part(
        code=entry.code,
        key=_code_key(entry.code),
        description=entry.description,
        equipment=attributes.get("equipment", ""),
        unit_price=attributes.get("unit_price", ""),
        currency=attributes.get("currency", ""),
        stock=attributes.get("stock_hint", ""),
    )


def _code_key(text: str) -> str:
    """The code's key as the knowledge base compares codes (loaded on first use:
    the knowledge base is not imported at the app's start)."""
    from knowledge_cache import code_key

    return code_key(text)
