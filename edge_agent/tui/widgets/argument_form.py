"""A tool's arguments as a form: one labelled field per argument, in the
schema's order, built from its field specs.

Values the device knows are offered, not typed: a job or an asset is picked
from the job list, an enum from its values; a part number is typed with the
catalogue's numbers suggested (→ takes the suggestion) and what the catalogue
says of it shown under the field as it is typed. Each field has one note line
under it: its problem, in plain words, or what it refers to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

if TYPE_CHECKING:
    from edge_agent.act.form_fields import FieldSpec, FormChoices, FormReading

NONE_PROMPT = "(none)"
PICK_PROMPT = "pick one"
NO_JOBS = "none known: a sync brings the job list"


def field_label(spec: FieldSpec) -> str:
    """The label beside a field: required ones end in ``*``."""
    return f"{spec.label} *" if spec.required else spec.label


class ArgumentForm(VerticalScroll):
    """The fields of one tool's arguments.

    Args:
        fields: the tool's fields, in order.
        choices: the jobs, assets and parts the device knows.
        values: text already typed for some fields (kept when the tool
            changes); it wins over ``start``.
        start: values to start with where nothing was typed (the job in
            context and its asset); a field's default comes after both.
    """

    def __init__(
        self,
        fields: Sequence[FieldSpec],
        choices: FormChoices,
        *,
        values: Mapping[str, str] | None = None,
        start: Mapping[str, str] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, can_focus=False)
        self.fields = tuple(fields)
        self.choices = choices
        self._values = dict(values or {})
        self._start = dict(start or {})
        self._problems: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        for spec in self.fields:
            with Horizontal(classes="field"):
                yield Label(Content(field_label(spec)), classes="field-label")
                yield self._editor(spec)
            yield Static("", id=f"note-{spec.name}", classes="field-note")

    def on_mount(self) -> None:
        for spec in self.fields:
            self._show_note(spec)

    def _editor(self, spec: FieldSpec) -> Widget:
        value = self._values.get(spec.name) or self._start.get(spec.name) or ""
        value = value or spec.default
        ident = f"field-{spec.name}"
        options = self._options(spec)
        if options is None:
            parts = [part.code for part in self.choices.parts]
            return Input(
                value=value,
                placeholder=spec.hint,
                max_length=spec.max_length or 0,
                suggester=SuggestFromList(parts, case_sensitive=False)
                if spec.source == "part"
                else None,
                compact=True,
                id=ident,
            )
        known = {option for _, option in options}
        fixed = bool(spec.default) and spec.default in known
        prompt = PICK_PROMPT if spec.required else NONE_PROMPT
        if spec.source and not options:
            prompt = NO_JOBS
        return Select(
            options,
            value=value if value in known else Select.NULL,
            allow_blank=not fixed,
            prompt=prompt,
            compact=True,
            id=ident,
        )

    def _options(self, spec: FieldSpec) -> list[tuple[str, str]] | None:
        """A choice field's options (label, value), or ``None`` for a box."""
        if spec.kind == "choice":
            return [(choice, choice) for choice in spec.choices]
        if spec.source in ("job", "asset"):
            return [(c.label, c.value) for c in self.choices.options(spec.source)]
        return None

    # --- reading and showing --------------------------------------------------------

    def texts(self) -> dict[str, str]:
        """What each field holds, as text ('' for an empty one)."""
        return {spec.name: self._text(spec) for spec in self.fields}

    def _text(self, spec: FieldSpec) -> str:
        editor = self.editor(spec.name)
        if isinstance(editor, Select):
            return "" if editor.is_blank() else str(editor.value)
        return editor.value if isinstance(editor, Input) else ""

    def editor(self, name: str) -> Widget:
        """The input or list of the field ``name``."""
        return self.query_one(f"#field-{name}")

    def last_box(self) -> Input | None:
        """The last field typed in (Enter there proposes)."""
        boxes = list(self.query(Input))
        return boxes[-1] if boxes else None

    def read(self, *, every_problem: bool) -> FormReading:
        """The arguments as typed, their problems shown under their fields:
        every one, or only those of fields with something typed in them (an
        empty field is not wrong while the technician is still filling in)."""
        from edge_agent.act.form_fields import read_form

        texts = self.texts()
        reading = read_form(self.fields, texts)
        self.show_problems(
            {
                name: problem
                for name, problem in reading.problems.items()
                if every_problem or texts[name].strip()
            }
        )
        return reading

    def focus_first_problem(self) -> None:
        """Put the focus in the first field with a problem shown."""
        name = next((s.name for s in self.fields if s.name in self._problems), "")
        if name:
            self.editor(name).focus()

    def show_problem(self, name: str, problem: str) -> None:
        """Show one problem under the field ``name``, if the form has it."""
        if any(spec.name == name for spec in self.fields):
            self.show_problems({name: problem})

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """Show these problems under their fields (and clear the others)."""
        self._problems = {name: text for name, text in problems.items() if text}
        for spec in self.fields:
            self._show_note(spec)

    def on_input_changed(self, event: Input.Changed) -> None:
        spec = self._spec_of(event.input)
        if spec is not None and spec.source == "part":
            self._show_note(spec)

    def _spec_of(self, widget: Widget) -> FieldSpec | None:
        return next((s for s in self.fields if widget.id == f"field-{s.name}"), None)

    def _show_note(self, spec: FieldSpec) -> None:
        """The field's problem, else what the catalogue says of its part."""
        problem = self._problems.get(spec.name, "")
        text = problem
        if not text and spec.source == "part":
            text = self.choices.part_note(self._text(spec))
        note = self.query_one(f"#note-{spec.name}", Static)
        note.update(Content(text))
        note.set_class(bool(problem), "-error")
        note.display = bool(text)
