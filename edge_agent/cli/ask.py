"""``edge-agent ask``: one question, answered from the KB and the local model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from edge_agent.answer.question_turn import answer_in_session
from edge_agent.answer.values import (
    Answer,
    AnswerEvent,
    answer_to_json,
    closest_code_lines,
)
from edge_agent.cli.model_options import model_options
from edge_agent.cli.state import CliState, pass_state
from edge_agent.depot.model_gate import model_loader
from edge_agent.depot.withdrawn import WithdrawnList, withdrawn_message
from edge_agent.session import Session


@click.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@model_options
@pass_state
def ask(
    state: CliState,
    question: str,
    as_json: bool,
    model_path: Path | None,
    no_model: bool,
) -> None:
    """Answer QUESTION: quoted KB facts first, then a checked explanation."""
    if not question.strip():
        raise click.BadParameter(
            "is empty: type a fault code (E-42), a part number or a question.",
            param_hint="QUESTION",
        )
    settings = state.settings()
    # Loaded on first need, so questions answered by lookup never wait for it.
    loader = None if no_model else model_loader(settings, model_path)
    printer = None if as_json else StreamPrinter()
    with Session(settings) as session:
        answer = answer_in_session(
            session, question, model=loader, on_event=printer or _ignore
        )
    if as_json:
        click.echo(json.dumps(answer_to_json(answer), indent=2, ensure_ascii=False))
    elif printer is not None:
        printer.finish(answer)
        _tell_withdrawn(
            settings.layout.withdrawn_file, settings.layout.withdrawn_set_aside
        )


def _tell_withdrawn(path: Path, set_aside: Path) -> None:
    """Once after a sync replaced the KB: the documents the centre withdrew
    (search no longer finds them)."""
    for line in withdrawn_message(WithdrawnList(path, set_aside).take_unshown()):
        click.echo(line)


def _ignore(_event: AnswerEvent) -> None:
    return None


class StreamPrinter:
    """Prints facts and checked sentences as they arrive; progress on stderr."""

    def __init__(self) -> None:
        self._section = ""
        self._notices: set[str] = set()

    def __call__(self, event: AnswerEvent) -> None:
        if event.kind == "progress":
            if sys.stderr.isatty():
                click.echo(f"… {event.text}", err=True)
        elif event.kind == "notice":
            self._notices.add(event.text)
            click.echo(event.text)
        elif event.kind == "fact":
            self._heading("From the knowledge base:")
            click.echo(f"  {event.text}  [{event.chunk_id}]")
        elif event.kind == "model_sentence":
            self._heading("Model explanation (checked against the sources):")
            click.echo(f"  {event.text}")

    def _heading(self, text: str) -> None:
        if self._section != text:
            click.echo(text)
            self._section = text

    def finish(self, answer: Answer) -> None:
        """Print what only the finished answer knows: late notices (a withdrawn
        explanation, an early stop), the listed codes close to an absent one
        and the closest entries."""
        for notice in answer.notices:
            if notice not in self._notices:
                click.echo(notice)
        for line in closest_code_lines(answer):
            click.echo(line)
        for citation in answer.closest:
            self._heading("Closest entries:")
            where = citation.section or citation.document
            click.echo(f"  {where}  [{citation.chunk_id}]")
