"""The interactive prompt: type a code, a part number or a question.

Codes and part numbers are answered by exact lookup in the code tables;
anything else by a knowledge-base search, with the source of every line.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from edge_agent.cli.render import render_code, render_hits
from edge_agent.config import EdgeSettings
from edge_agent.knowledge import open_knowledge
from knowledge_cache import KnowledgeStore

QUIT_WORDS = frozenset({"quit", "exit", ":q", "q"})
PROMPT = "field> "


def run_shell(settings: EdgeSettings, read_line: Callable[[str], str] = input) -> None:
    """Answer lines from ``read_line`` until ``quit`` or end of input."""
    with open_knowledge(settings) as store:
        click.echo(banner(store))
        while True:
            try:
                line = read_line(PROMPT).strip()
            except (EOFError, KeyboardInterrupt):
                click.echo()
                return
            if line.lower() in QUIT_WORDS:
                return
            if line:
                click.echo(answer(store, line) + "\n")


def banner(store: KnowledgeStore) -> str:
    stats = store.stats()
    if stats.documents == 0:
        return (
            "The knowledge base is empty. Load documents with "
            "'edge-agent kb ingest PATH' or the demo with 'edge-agent demo'."
        )
    return (
        f"Field assistant (offline). Knowledge base '{stats.name or 'local'}' "
        f"version {stats.version}: {stats.documents} documents, {stats.codes} codes.\n"
        "Type a fault code, a part number or a question; 'quit' to leave."
    )


def answer(store: KnowledgeStore, line: str) -> str:
    """Exact code entries when the line names codes, else the best search hits."""
    entries = store.lookup_code(line)
    if entries:
        return "\n".join(render_code(entry) for entry in entries)
    return render_hits(store.search(line, limit=5))
