"""Proposing an action by hand: a tool, and a form of its arguments.

The form is built from the tool's argument schema (see
:class:`~edge_agent.tui.widgets.argument_form.ArgumentForm`); choosing
another tool rebuilds it, keeping what was typed in fields of the same name
(in any tool's form so far: choosing a tool back loses nothing).
A moment after each change, once the arguments read well, the policy's
decision on them is shown (nothing is recorded). Enter moves to the next
field and proposes from the last box; ctrl+s or the button proposes from
anywhere. The proposal is checked and decided before the dialog closes, so a
mistake (an unknown part, a missing argument) is shown beside its field with
everything typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from edge_agent.tui.context import field_app
from edge_agent.tui.failures import ReportsWorkerFailures
from edge_agent.tui.widgets.argument_form import ArgumentForm

if TYPE_CHECKING:
    from edge_agent.act.form_fields import FieldSpec, FormChoices
    from edge_agent.act.preview import Preview
    from edge_agent.tui.tasks.actions import Proposed

FIRST_TOOL = "order_part"
SETTLE_SECONDS = 0.3
"""How long the fields must rest before the policy is asked about them."""
HINT = "Enter: next field (the last box proposes). ctrl+s proposes. Esc cancels."
WAITING = "The policy's decision shows here once the fields marked * are filled."
OUTCOME_TONES = {
    "": "-error",
    "allow": "-good",
    "approve": "-warning",
    "deny": "-error",
}
"""How the decision line reads: by the outcome ('' when it cannot be proposed)."""


def action_tools() -> list[tuple[str, str]]:
    """The tools that change the world, (name, what it does), catalogue order."""
    from edge_agent.act.catalogue import TOOLS

    return [(s.name, s.description) for s in TOOLS.values() if not s.reads_only]


def tool_fields(tool: str) -> tuple[FieldSpec, ...]:
    """The fields of a tool's arguments, from its schema."""
    from edge_agent.act.catalogue import TOOLS
    from edge_agent.act.form_fields import form_fields

    return form_fields(TOOLS[tool].json_schema())


class NewActionScreen(ReportsWorkerFailures, ModalScreen["Proposed | None"]):
    """Asks for a tool and its arguments; dismisses with the decided proposal."""

    BINDINGS = [
        Binding("escape", "close", "Cancel"),
        Binding("ctrl+s", "propose", "Propose"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tools = dict(action_tools())
        self.choices: FormChoices | None = None
        self.preview: Preview | None = None
        """The policy's decision on the arguments as they were last asked."""
        self._asked: tuple[str, Mapping[str, Any]] | None = None
        self._form_tool = ""
        """The tool the form shown is for."""
        self._typed: dict[str, str] = {}
        """What was typed in the forms of other tools, by field name: a field
        of the same name starts with it (switching back loses nothing)."""
        self._timer: Timer | None = None
        self._tried = False
        """A proposal was tried: every problem shows, empty fields too."""

    def compose(self) -> ComposeResult:
        with Vertical(id="new-action-dialog", classes="dialog"):
            yield Static(Content("Propose an action by hand"), classes="title")
            with Horizontal(classes="field"):
                yield Label(Content("Tool"), classes="field-label")
                yield Select(
                    [(name, name) for name in self.tools],
                    value=FIRST_TOOL,
                    allow_blank=False,
                    compact=True,
                    id="tool",
                )
            yield Static(
                Content(self.tools[FIRST_TOOL]), id="tool-about", classes="field-note"
            )
            yield Static(
                Content("Reading the job list and the parts catalogue…"),
                id="new-action-reading",
            )
            yield Static(Content(WAITING), id="new-action-decision")
            yield Static(Content(HINT), id="new-action-problem", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Propose", id="propose", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#tool", Select).focus()
        self._read_choices()

    @work(thread=True, exit_on_error=False, group="new-action-choices")
    def _read_choices(self) -> None:
        from edge_agent.tui.tasks.action_form import form_choices

        choices = form_choices(field_app(self).settings)
        self.app.call_from_thread(self._choices_read, choices)

    def _choices_read(self, choices: FormChoices) -> None:
        self.choices = choices
        self.call_later(self._show_form)

    async def _show_form(self) -> None:
        """The choices are read: the form replaces the line that said so."""
        choices = self.choices
        if choices is None:
            return
        await self.query_one("#new-action-reading", Static).remove()
        if choices.notice:
            self._problem(choices.notice)
        await self._build_form()
        form = self.form()
        if form is not None and form.fields and self.focused is self.tool_select():
            form.editor(form.fields[0].name).focus()

    # --- the form ---------------------------------------------------------------------

    def tool(self) -> str:
        return str(self.tool_select().value)

    def tool_select(self) -> Select[str]:
        return self.query_one("#tool", Select)

    def form(self) -> ArgumentForm | None:
        """The form of the chosen tool's arguments, once the choices are read."""
        forms = list(self.query(ArgumentForm))
        return forms[0] if forms else None

    async def _build_form(self) -> None:
        """(Re)build the form for the chosen tool, keeping what was typed in
        fields of the same name, in this form or an earlier one (and the focus
        in the field of that name)."""
        tool = self.tool()
        old = self.form()
        if self.choices is None or (old is not None and self._form_tool == tool):
            return
        if old is not None:
            self._typed.update(old.texts())
        focused = self.focused
        keep = ""
        if old is not None and focused is not None and old in focused.ancestors:
            keep = (focused.id or "").removeprefix("field-")
            self.tool_select().focus()
        if old is not None:
            await old.remove()
        form = ArgumentForm(
            tool_fields(tool),
            self.choices,
            values=self._typed,
            start=self._start_values(),
            id="new-action-form",
        )
        self._form_tool = tool
        await self.query_one("#new-action-dialog").mount(
            form, before="#new-action-decision"
        )
        if any(spec.name == keep for spec in form.fields):
            form.editor(keep).focus()
        self._changed()

    def _start_values(self) -> dict[str, str]:
        """The job in context and its asset, to start the form with."""
        job = field_app(self).job_context
        return {} if job is None else {"job_id": job.job_id, "asset_id": job.asset_id}

    async def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select is self.tool_select():
            await self._tool_changed()
        else:
            self._changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    async def _tool_changed(self) -> None:
        self.query_one("#tool-about", Static).update(
            Content(self.tools.get(self.tool(), ""))
        )
        self._tried = False
        await self._build_form()

    def _changed(self) -> None:
        """A field changed: the decision shown is for other arguments now;
        ask again once the fields rest."""
        self.query_one("#new-action-decision", Static).add_class("-stale")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SETTLE_SECONDS, self._check)

    def _check(self) -> None:
        """Show the fields' problems and, if there are none, ask the policy."""
        form = self.form()
        if form is None:
            return
        reading = form.read(every_problem=self._tried)
        if not reading.complete:
            self.preview = self._asked = None
            shown = self._tried or any(
                form.texts()[name].strip() for name in reading.problems
            )
            if shown:
                self._decision("Fix the marked fields first.", "-error")
            else:
                self._decision(WAITING)
            return
        self._asked = (self.tool(), reading.args)
        self._ask(self.tool(), reading.args)

    @work(thread=True, exit_on_error=False, group="new-action-preview", exclusive=True)
    def _ask(self, tool: str, args: dict[str, Any]) -> None:
        from edge_agent.tui.tasks.action_form import preview_by_hand

        preview = preview_by_hand(field_app(self).settings, tool, args)
        self.app.call_from_thread(self._previewed, (tool, args), preview)

    def _previewed(
        self, asked: tuple[str, Mapping[str, Any]], preview: Preview
    ) -> None:
        if asked != self._asked:
            return  # the fields changed meanwhile: a newer answer is coming
        self.preview = preview
        outcome = "" if preview.outcome is None else str(preview.outcome)
        self._decision(preview.text(), OUTCOME_TONES.get(outcome, ""))
        form = self.form()
        if form is not None and preview.problem:
            form.show_problem(preview.field, preview.problem)

    def _decision(self, text: str, tone: str = "") -> None:
        widget = self.query_one("#new-action-decision", Static)
        widget.update(Content(text))
        widget.set_classes(tone)

    def _problem(self, text: str, tone: str = "-error") -> None:
        widget = self.query_one("#new-action-problem", Static)
        widget.update(Content(text))
        widget.set_classes(f"hint {tone}".strip())

    # --- proposing --------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the next field, or from the last box, propose."""
        event.stop()
        form = self.form()
        if form is not None and event.input is form.last_box():
            self.action_propose()
        else:
            self.focus_next()

    @on(Button.Pressed, "#propose")
    def _propose_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_propose()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_propose(self) -> None:
        """Check and decide the arguments; the dialog closes with the proposal,
        or the problems show beside their fields."""
        form = self.form()
        if form is None:
            return
        self._tried = True
        reading = form.read(every_problem=True)
        if not reading.complete:
            self._decision("Fix the marked fields first.", "-error")
            form.focus_first_problem()
            return
        if self._timer is not None:
            self._timer.stop()
        self._asked = None  # a preview still on its way is not shown over this
        self._decision("Checking it against the catalogue and the policy…")
        self._decide(self.tool(), reading.args)

    @work(thread=True, exit_on_error=False, group="new-action-decide", exclusive=True)
    def _decide(self, tool: str, args: dict[str, Any]) -> None:
        from edge_agent.errors import ProposalError
        from edge_agent.tui.tasks.actions import propose_by_hand

        try:
            proposed = propose_by_hand(field_app(self).settings, tool, args)
        except ProposalError as exc:
            self.app.call_from_thread(self._refused, exc.message, exc.field)
            return
        self.app.call_from_thread(self._proposed, proposed)

    def _proposed(self, proposed: Proposed) -> None:
        if self.is_current:  # not cancelled, nor proposed twice, meanwhile
            self.dismiss(proposed)

    def _refused(self, message: str, field: str) -> None:
        self._decision(message, "-error")
        form = self.form()
        if form is not None:
            form.show_problem(field, message)

    def action_close(self) -> None:
        self.dismiss(None)
