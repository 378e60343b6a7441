"""The interactive prompt: type a code, a part number or a question.

Codes and part numbers are answered by exact lookup in the code tables;
other questions with quoted lines from the knowledge base and, once the local
model has loaded, a short explanation checked against those lines. Every turn
is traced like ``edge-agent ask``.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from edge_agent.answer.question_turn import answer_in_session
from edge_agent.cli.ask import StreamPrinter
from edge_agent.config import EdgeSettings
from edge_agent.depot.model_gate import model_loader
from edge_agent.llm import ModelLoader
from edge_agent.session import Session
from knowledge_cache import KnowledgeStore

QUIT_WORDS = frozenset({"quit", "exit", ":q", "q"})
PROMPT = "field> "


def run_shell(
    settings: EdgeSettings,
    read_line: Callable[[str], str] = input,
    *,
    loader: ModelLoader | None = None,
) -> None:
    """Answer lines from ``read_line`` until ``quit`` or end of input."""
    with Session(settings) as session:
        click.echo(banner(session.store, session.policy.reason))
        model = loader or model_loader(settings)
        while True:
            try:
                line = read_line(PROMPT).strip()
            except (EOFError, KeyboardInterrupt):
                click.echo()
                return
            if line.lower() in QUIT_WORDS:
                return
            if line:
                printer = StreamPrinter()
                answer = answer_in_session(session, line, model=model, on_event=printer)
                printer.finish(answer)
                click.echo()


def banner(store: KnowledgeStore, policy_state: str) -> str:
    stats = store.stats()
    if stats.documents == 0:
        return (
            "The knowledge base is empty. Load documents with "
            "'edge-agent kb ingest PATH' or the demo with 'edge-agent demo'."
        )
    return (
        f"Field assistant (offline). Knowledge base '{stats.name or 'local'}' "
        f"version {stats.version}: {stats.documents} documents, {stats.codes} codes.\n"
        f"{policy_state}\n"
        "Type a fault code, a part number or a question; 'quit' to leave."
    )
