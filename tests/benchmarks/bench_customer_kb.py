"""Customer knowledge bases: search and answers on code tables nothing was tuned on.

Run ``python -m tests.benchmarks.bench_customer_kb [--kb NAME] [--rounds N] [--json]``
from the repository root.

Each evaluation knowledge base in ``tests/data/eval_kbs/<name>/`` (a plain
code table from another trade, with a procedures page where its source has
one, and no ``kb.toml`` or glossary) is ingested into a temporary home, as a
customer's folder would be; its ``SOURCES.md`` describes it and is left out.
Its questions, ``tests/data/questions/eval_<name>.json``, were frozen before
any search ran on them and are all check questions. In one run:

1. Retrieval: hit@1 and hit@5 per kind and overall, for the literal search
   (``store.search(q, literal=True)``) and for ours (``store.search(q)`` on
   a store opened with ``meaning_similarity`` and, unless ``--no-vectors``,
   the app's embedder, so that the nearest chunk vectors join the
   candidates), scored as the wording
   benchmark scores them (``is_hit``). A code's chunks are those
   ``code_rows`` finds plus the code's own table row, so that an all-digit
   code, which ``code_rows`` does not see in text, is never a hit by default.
   Beside them, the demo fleet's figures from the wording benchmark.
2. Answers, lookup only (the app's ``Answerer``, no model): absent codes
   answered as absent; slips read (the answer quotes the slipped code's own
   row); expected codes quoted on every code question; and the answer lines
   that give a code a text not its own (see
   :mod:`tests.benchmarks.code_lines`: a line cited to a code's row must be
   a line of that row, the code as a related code with its own text, or the
   code listed with exactly the answered code's text). The wording
   benchmark's answer faults are reported too.

Figures are reported as measured: there are no targets here.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edge_agent.answer.answerer import Answerer, AnswerSettings
from edge_agent.answer.similarity import WordLlamaEmbedder, meaning_similarity
from edge_agent.answer.values import Answer
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import Embedder, KnowledgeStore
from tests.benchmarks import bench_wording
from tests.benchmarks.bench_wording import (
    CODE_KINDS,
    KINDS,
    Question,
    answer_checks,
    code_rows,
    is_hit,
    load_questions,
)
from tests.benchmarks.code_lines import answer_facts, misattributed_lines
from tests.benchmarks.reporting import emit, log, machine_facts, working_dir

DATA = Path(__file__).resolve().parents[1] / "data"
EVAL_KBS = DATA / "eval_kbs"
QUESTIONS = DATA / "questions"
NOT_INGESTED = frozenset({"SOURCES.md"})
"""Files of a KB folder that describe the knowledge base and are not part of it."""
TOP = 5
SEALED = frozenset({"fronius-inverter"})
"""KBs whose questions stay unread (see the KBs' README): the text report
counts their misses and never prints them; ``--json`` still holds them."""
GROUPS = (*KINDS, "all")


def kb_names() -> list[str]:
    """The evaluation knowledge bases: folders with a question file."""
    return sorted(
        folder.name
        for folder in EVAL_KBS.iterdir()
        if folder.is_dir() and questions_file(folder.name).exists()
    )


def questions_file(name: str) -> Path:
    return QUESTIONS / f"eval_{name}.json"


def ingest_kb(store: KnowledgeStore, name: str) -> None:
    """Ingest the KB folder as a customer's folder, less its ``SOURCES.md``."""
    sources = store.sources([EVAL_KBS / name])
    store.ingest_sources(s for s in sources if s.document_id not in NOT_INGESTED)


def table_descriptions(name: str) -> dict[str, str]:
    """Each code of the KB's tables, as written, with its description."""
    descriptions: dict[str, str] = {}
    for table in sorted((EVAL_KBS / name).glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                descriptions[row["code"]] = row["description"]
    return descriptions


def code_chunks(store: KnowledgeStore, codes: Sequence[str]) -> dict[str, set[str]]:
    """``code_rows``, plus each code's own table row."""
    rows = code_rows(store, codes)
    for code in codes:
        rows[code] |= {entry.chunk_id for entry in store.lookup_code(code)}
    return rows


def retrieval(
    store: KnowledgeStore, questions: Sequence[Question], rounds: int
) -> dict[str, Any]:
    """hit@1 and hit@5 of the literal search and of ours, by kind."""
    scored = [q for q in questions if q.expected_chunks]
    rows = {q.id: code_chunks(store, q.expected_codes) for q in scored}
    groups: dict[str, list[Question]] = defaultdict(list)
    for q in scored:
        groups[q.kind].append(q)
    groups["all"] = scored
    figures: dict[str, Any] = {}
    for name, literal in (("literal", True), ("ours", False)):
        ranked, times = _ranked(store, scored, rounds, literal=literal)
        hits = {
            k: {q.id: is_hit(q, ranked[q.id], rows[q.id], k) for q in scored}
            for k in (1, TOP)
        }
        figures[name] = {
            "questions": {g: len(qs) for g, qs in groups.items()},
            "hit_at_1": _rates(groups, hits[1]),
            "hit_at_5": _rates(groups, hits[TOP]),
            "search_ms": {
                "p50": round(statistics.median(times), 2),
                "p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
            },
            "misses": [
                {"id": q.id, "kind": q.kind, "question": q.text, "top": ranked[q.id]}
                for q in scored
                if not hits[TOP][q.id]
            ],
        }
    return figures


def _ranked(
    store: KnowledgeStore, questions: Sequence[Question], rounds: int, *, literal: bool
) -> tuple[dict[str, list[str]], list[float]]:
    ranked: dict[str, list[str]] = {}
    times: list[float] = []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            found = store.search(q.text, limit=TOP, literal=literal)
            times.append((time.perf_counter() - started) * 1000)
            ranked[q.id] = [hit.chunk_id for hit in found]
    return ranked, times


def _rates(
    groups: dict[str, list[Question]], hits: dict[str, bool]
) -> dict[str, float]:
    return {
        group: round(sum(hits[q.id] for q in qs) / len(qs), 3)
        for group, qs in groups.items()
    }


def answers(
    store: KnowledgeStore, questions: Sequence[Question], descriptions: dict[str, str]
) -> dict[str, Any]:
    """Absent codes, slips read, codes quoted and misattributed lines."""
    checks = answer_checks(store, questions, None)
    answerer = Answerer(store, None, AnswerSettings())
    slips = quoted = expected = 0
    wrong: list[dict[str, str]] = []
    for q in questions:
        answer = answerer.ask(q.text)
        if q.kind in CODE_KINDS:
            found = sum(_quotes_row(store, answer, code) for code in q.expected_codes)
            quoted += found
            expected += len(q.expected_codes)
            slips += q.kind == "slip" and found == len(q.expected_codes)
        wrong.extend(
            {"id": q.id, "question": q.text, "line": line}
            for line in misattributed_lines(store, answer_facts(answer))
        )
    return {
        "answers": len(questions),
        "absent_codes": checks["absent_codes"],
        "absent_answered_as_absent": checks["absent_answered_as_absent"],
        "absent_missed": checks["absent_missed"],
        "slips": sum(q.kind == "slip" for q in questions),
        "slips_read": slips,
        "expected_codes": expected,
        "expected_codes_quoted": quoted,
        "misattributed_lines": len(wrong),
        "misattributed": wrong,
        "faults": checks["faults"],
        "fault_details": checks["fault_details"],
    }


def _quotes_row(store: KnowledgeStore, answer: Answer, code: str) -> bool:
    rows = {entry.chunk_id for entry in store.lookup_code(code)}
    return any(fact.chunk_id in rows for fact in answer.facts)


def evaluate_kb(
    name: str, home: Path, rounds: int, embedder: Embedder | None
) -> dict[str, Any]:
    """Ingest one evaluation KB and measure its questions."""
    questions = load_questions(questions_file(name))
    descriptions = table_descriptions(name)
    with KnowledgeStore.open(
        home / f"{name}.db", similarity=meaning_similarity, embedder=embedder
    ) as store:
        ingest_kb(store, name)
        log(f"{name}: retrieval ...")
        found = retrieval(store, questions, rounds)
        log(f"{name}: answers ...")
        answered = answers(store, questions, descriptions)
    return {
        "rows": len(descriptions),
        "questions": len(questions),
        "retrieval": found,
        "answers": answered,
    }


def demo_figures(home: Path, rounds: int, embedder: Embedder | None) -> dict[str, Any]:
    """The wording benchmark's literal and ours on the demo fleet, by kind."""
    with KnowledgeStore.open(
        home / "demo.db", similarity=meaning_similarity, embedder=embedder
    ) as store:
        store.ingest([demo_data_dir()])
        with KnowledgeStore.open(home / "demo.db") as words_only:
            found = bench_wording.retrieval(store, words_only, load_questions(), rounds)
    return {
        name: {key: found[run][key] for key in ("questions", "hit_at_1", "hit_at_5")}
        for name, run in (("literal", "baseline"), ("ours", "ours"))
    }


def render(figures: dict[str, Any]) -> str:
    demo = figures["demo"]
    lines = [f"retrieval top {TOP}; demo fleet figures from the wording benchmark"]
    for name, kb in figures["kbs"].items():
        lines += [
            "",
            f"{name}: {kb['rows']} table rows, {kb['questions']} questions",
            *_retrieval_lines(kb["retrieval"], demo),
            *_answer_lines(kb["answers"], shown=name not in SEALED),
            *_miss_lines(kb["retrieval"], shown=name not in SEALED),
        ]
    return "\n".join(lines)


def _retrieval_lines(r: dict[str, Any], demo: dict[str, Any]) -> list[str]:
    lines = [
        f"{'kind':<20} {'n':>3} {'lit@1':>6} {'ours@1':>6} {'lit@5':>6} "
        f"{'ours@5':>6} | {'demo n':>6} {'lit@1':>6} {'ours@1':>6} {'lit@5':>6} "
        f"{'ours@5':>6}"
    ]
    lit, ours = r["literal"], r["ours"]
    d_lit, d_ours = demo["literal"], demo["ours"]
    for group in GROUPS:
        if group not in ours["questions"]:
            continue
        lines.append(
            f"{group:<20} {ours['questions'][group]:>3} "
            f"{lit['hit_at_1'][group]:>6} {ours['hit_at_1'][group]:>6} "
            f"{lit['hit_at_5'][group]:>6} {ours['hit_at_5'][group]:>6} | "
            f"{d_ours['questions'].get(group, 0):>6} "
            f"{d_lit['hit_at_1'].get(group, '-'):>6} "
            f"{d_ours['hit_at_1'].get(group, '-'):>6} "
            f"{d_lit['hit_at_5'].get(group, '-'):>6} "
            f"{d_ours['hit_at_5'].get(group, '-'):>6}"
        )
    lines.append(
        f"search ms: literal p50 {lit['search_ms']['p50']} p95 "
        f"{lit['search_ms']['p95']}; ours p50 {ours['search_ms']['p50']} p95 "
        f"{ours['search_ms']['p95']}"
    )
    return lines


def _answer_lines(a: dict[str, Any], *, shown: bool) -> list[str]:
    lines = [
        f"answers (lookup only): {a['answers']}; absent codes answered as absent "
        f"{a['absent_answered_as_absent']}/{a['absent_codes']}; slips read "
        f"{a['slips_read']}/{a['slips']}; expected codes quoted "
        f"{a['expected_codes_quoted']}/{a['expected_codes']}",
        f"answer lines giving a code a text not its own: {a['misattributed_lines']}",
    ]
    details = [
        f"  not answered as absent {m['id']}: {m['code']} in {m['question']!r}"
        for m in a["absent_missed"]
    ]
    details += [
        f"  {m['id']}: {m['question']!r}: {m['line']}" for m in a["misattributed"]
    ]
    faults = [
        f"answer faults (wording benchmark's checks): {sum(a['faults'].values())} "
        f"{a['faults']}"
    ]
    details_after = [
        f"  fault {d['id']}: {d['question']!r}: {d['faults']}"
        for d in a["fault_details"]
    ]
    if shown:
        return lines + details + faults + details_after
    hidden = len(details) + len(details_after)
    return [*lines, *faults, f"  questions behind these (sealed, not shown): {hidden}"]


def _miss_lines(r: dict[str, Any], *, shown: bool) -> list[str]:
    misses = r["ours"]["misses"]
    lines = [
        f"misses at {TOP}: literal {len(r['literal']['misses'])}, ours {len(misses)}"
    ]
    if not shown:
        return [*lines, "  (sealed: the missed questions are not shown)"]
    lines += [
        f"  miss {m['id']} [{m['kind']}]: {m['question']!r} -> {m['top']}"
        for m in misses
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", choices=kb_names(), default=None, help="One KB.")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-vectors", action="store_true", help="Ours without chunk vectors."
    )
    args = parser.parse_args(argv)
    names = [args.kb] if args.kb else kb_names()
    embedder = None if args.no_vectors else WordLlamaEmbedder()
    with working_dir(args.workdir, "bench-customer-kb-") as home:
        os.environ["EDGE_AGENT_HOME"] = str(home)
        kbs = {name: evaluate_kb(name, home, args.rounds, embedder) for name in names}
        log("demo fleet ...")
        figures: dict[str, Any] = {
            "machine": machine_facts(),
            "kbs": kbs,
            "demo": demo_figures(home, args.rounds, embedder),
            "vectors": embedder is not None,
        }
    emit(figures, render, args.json)
    return figures


if __name__ == "__main__":
    main()
