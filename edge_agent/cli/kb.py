"""``edge-agent kb``: ingest, search and inspect the knowledge base."""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from edge_agent import exit_codes
from edge_agent.cli.render import (
    hit_to_json,
    render_hits,
    render_report,
    render_stats,
    stats_to_json,
    vector_notice,
)
from edge_agent.cli.state import CliState, pass_state
from edge_agent.knowledge import knowledge_damaged, open_knowledge, remember_knowledge
from knowledge_cache import (
    FileOutcome,
    IngestReport,
    KnowledgeStore,
    SourceFile,
    check_integrity,
    source_size,
)


@click.group()
def kb() -> None:
    """Ingest, search and inspect the offline knowledge base."""


@kb.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def ingest(state: CliState, paths: tuple[Path, ...], as_json: bool) -> None:
    """Add Markdown, text, PDF and CSV files (or folders of them) to the KB.

    Unchanged files are skipped; a changed file replaces its old version.
    """
    settings = state.settings()
    with open_knowledge(settings, create=True) as store:
        report = ingest_with_progress(store, store.sources(paths))
        remember_knowledge(settings.layout, store)
    if as_json:
        click.echo(json.dumps(_report_json(report), indent=2))
    else:
        click.echo(render_report(report))
    if report.failed:
        raise click.exceptions.Exit(exit_codes.FAILURE)


def ingest_with_progress(
    store: KnowledgeStore, sources: list[SourceFile]
) -> IngestReport:
    """Ingest ``sources`` with progress bars on stderr when it is a terminal:
    the files, then the chunks' vectors of meaning."""
    stderr = sys.stderr
    if not stderr.isatty():
        return store.ingest_sources(sources)
    total = sum(source_size(source) for source in sources)
    with ExitStack() as stack:
        files = stack.enter_context(
            click.progressbar(length=max(total, 1), label="Ingesting", file=stderr)
        )
        vectors: list[Any] = []

        def advance(_outcome: FileOutcome, size: int) -> None:
            files.update(size)

        def embedded(done: int, chunks: int) -> None:
            if not vectors:
                files.render_finish()
                bar = click.progressbar(length=chunks, label="Embedding", file=stderr)
                vectors.append(stack.enter_context(bar))
            vectors[0].update(done - vectors[0].pos)

        return store.ingest_sources(sources, progress=advance, vector_progress=embedded)


@kb.command()
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@click.option(
    "--literal",
    is_flag=True,
    help="Search the query's own words only: no glossary, typo or number forms.",
)
@pass_state
def search(
    state: CliState, query: str, limit: int, as_json: bool, literal: bool
) -> None:
    """Search the KB; codes and part numbers match in any common spelling.

    Everyday words are searched with the manuals' words for them (from the
    glossary), misspellings with the KB's own spelling; the lines under
    "also searched" say which. A question that reports a fault ranks fault
    codes and their sections first, a parts request the catalogue.
    """
    settings = state.settings()
    with open_knowledge(settings) as store:
        understood = None if literal else store.understand(query)
        hits = store.search(query, limit=limit, literal=literal, understood=understood)
        counts = store.vector_counts()
    meaning = settings.meaning_search and not literal
    notice = vector_notice(counts) if meaning else ""
    also = understood.understanding.describe() if understood else []
    intent = None
    if understood is not None and understood.understanding.words:
        intent = understood.intent  # a query of codes alone is read for none
    if as_json:
        results = [hit_to_json(h) for h in hits]
        found: dict[str, object] = {
            "results": results,
            "also_searched": also,
            "intent": intent,
        }
        if not literal:  # a literal search is by its words alone
            found["chunks_without_vectors"] = counts.without_vectors
        click.echo(json.dumps(found, indent=2))
    else:
        if intent is not None:
            click.echo(f"Question {intent.describe()}.")
        if also:
            click.echo("Also searched: " + "; ".join(also))
        if notice:
            click.echo(notice)
        click.echo(render_hits(hits))


@kb.command()
@click.argument("chunk_id")
@pass_state
def show(state: CliState, chunk_id: str) -> None:
    """Print one chunk in full, e.g. a citation from an answer."""
    with open_knowledge(state.settings()) as store:
        chunk = store.chunk(chunk_id)
    where = " > ".join(p for p in (chunk.title, chunk.section) if p)
    page = f" (page {chunk.page})" if chunk.page else ""
    click.echo(f"{where}{page}\n[{chunk.chunk_id}]\n\n{chunk.text}")


@kb.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@pass_state
def stats(state: CliState, as_json: bool) -> None:
    """Documents, chunks, KB version and size on disk."""
    settings = state.settings()
    with open_knowledge(settings) as store:
        figures = store.stats()
    path = str(settings.layout.knowledge_db)
    if as_json:
        click.echo(json.dumps(stats_to_json(figures, path), indent=2))
    else:
        click.echo(render_stats(figures, path))


@kb.command()
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_state
def check(state: CliState, as_json: bool) -> None:
    """Check every page and index of the knowledge base (exit 5 if damaged).

    SQLite's full integrity check and the full-text index's own, on the file
    as it is: nothing is written. About 1.6 s for 100,000 chunks. Exits 0
    when it is sound (or there is none yet), 5 when it is damaged, 1 when it
    cannot be read.
    """
    path = state.settings().layout.knowledge_db
    started = time.perf_counter()
    exists = path.exists() or path.is_symlink()
    problems = check_integrity(path) if exists else ()
    seconds = round(time.perf_counter() - started, 2)
    if as_json:
        found = {"path": str(path), "exists": exists, "problems": list(problems)}
        click.echo(json.dumps({**found, "seconds": seconds}, indent=2))
    elif not exists:
        click.echo(f"There is no knowledge base at {path} yet.")
    elif not problems:
        click.echo(f"The knowledge base {path} is sound (checked in {seconds} s).")
    else:
        lines = [line for problem in problems for line in problem.splitlines()]
        click.echo("\n".join(f"  {line}" for line in lines))
        click.echo(knowledge_damaged(path, "see the problems above").message, err=True)
    if problems:
        raise click.exceptions.Exit(exit_codes.DAMAGED)


def _report_json(report: IngestReport) -> dict[str, object]:
    return {
        "version": report.version,
        "files": [
            {
                "path": o.path,
                "document": o.document_id,
                "status": o.status.value,
                "chunks": o.chunks,
                "message": o.message,
                "warnings": list(o.warnings),
            }
            for o in report.outcomes
        ],
    }
