"""The interactive prompt: type a code, a part number or a question.

Codes and part numbers are answered by exact lookup in the code tables;
other questions with quoted lines from the knowledge base and, once the local
model has loaded, a short explanation checked against those lines. Every turn
is traced like ``edge-agent ask``.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from edge_agent.answering import Answerer, answer_settings
from edge_agent.cli.ask import StreamPrinter
from edge_agent.config import EdgeSettings
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
        policy = session.policy.policy
        answerer = Answerer(
            session.store,
            loader or ModelLoader(settings.model_path),
            answer_settings(settings, None if policy is None else policy.budgets),
            session.jobs,
        )
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
                tracer = session.tracer("ask")
                answer = answerer.ask(line, on_event=printer, tracer=tracer)
                printer.finish(answer)
                session.outbox.save_trace(tracer.finish().as_dict())
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
