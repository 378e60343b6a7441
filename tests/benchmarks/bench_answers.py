"""Answer benchmark: code lookups, grounded generation, retrieval and answer checks.

Run ``python -m tests.benchmarks.bench_answers [--questions N] [--no-model] [--json]``.

Everything runs in one process on the demo knowledge base, ingested into a
temporary ``EDGE_AGENT_HOME``, with the question set in
``tests/data/questions/demo_questions.json``.

1. Code lookup: ``Answerer.ask`` on the ``code`` questions (a warm-up pass,
   then ``CODE_ROUNDS`` timed passes); an answer by code lookup must not have
   called the model (``model_id is None``). Also the wall time of the one-shot
   command ``edge-agent ask "E-42" --json``.
2. Generation (not with ``--no-model``): the default model, loaded once, on
   every question that reaches the model; the first of them is a warm-up for
   both and is not counted. Baseline: bare llama-cpp-python
   (``Llama.create_chat_completion(stream=True)``) with the same model file,
   context size, threads and seed, on the same messages (built with
   ``build_prompt`` as the Answerer builds them) and the same ``max_tokens``.
   Ours and bare alternate which runs first, question by question, and the
   headline ratios are medians of per-question ratios. Time to first token is
   measured from the model call (both) and from ``ask`` (ours, end to end);
   throughput is completion tokens after the first per second after the first.
3. Retrieval: hit@1 and hit@5 of ``store.search(question, limit=5)`` against
   the expected chunks, by kind; ``absent`` questions must be answered as not
   found (route ``not_found`` or a "... is not in the knowledge base" notice).
4. Answers: routes, answers with a sentence that failed the grounding check,
   extractive fallbacks, and citations of chunks that were neither retrieved
   nor quoted (must be none).

Targets: code lookup p50 <= 50 ms; throughput ours/bare >= 0.95; hit@5 >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from edge_agent.answer.answerer import RETRIEVED_CHUNKS, Answerer, AnswerSettings
from edge_agent.answer.prompting import Prompt, build_prompt
from edge_agent.answer.routing import code_mentions
from edge_agent.answer.values import Answer, Route
from edge_agent.evaluation.scoring import answered_absent, is_hit
from edge_agent.knowledge import demo_data_dir
from edge_agent.llm import (
    ChatMessage,
    ChatModel,
    Completion,
    GenerationLimits,
    ModelLoader,
    default_model_path,
)
from edge_agent.llm.loader import load_llama
from knowledge_cache import KnowledgeStore, SearchHit, relevant_hits

QUESTIONS_FILE = (
    Path(__file__).resolve().parents[1] / "data/questions/demo_questions.json"
)
KINDS = ("code", "procedure", "spec", "symptom", "part", "absent")
SEARCH_LIMIT = 5
"""Retrieval is scored on the top 5 (hit@5)."""
SEARCHED = max(SEARCH_LIMIT, RETRIEVED_CHUNKS)
"""Hits fetched per question: enough to score and to cover what the Answerer saw."""
CODE_ROUNDS = 20
CLI_QUESTION = "E-42"
TARGET_CODE_P50_MS = 50.0
TARGET_THROUGHPUT_RATIO = 0.95
TARGET_HIT_AT_5 = 0.95
BUSY_LOAD = 1.0
"""A one-minute load average at or above this before the run means other work."""


@dataclass(frozen=True, slots=True)
class Question:
    """One entry of the question set."""

    id: str
    question: str
    kind: str
    expected_chunks: tuple[str, ...]
    expected_codes: tuple[str, ...]


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [
        Question(
            id=e["id"],
            question=e["question"],
            kind=e["kind"],
            expected_chunks=tuple(e["expected_chunks"]),
            expected_codes=tuple(e["expected_codes"]),
        )
        for e in entries
    ]


def subsample(questions: Sequence[Question], count: int | None) -> list[Question]:
    """The first ``count`` questions taking one kind after another, in file order."""
    if count is None or count >= len(questions):
        return list(questions)
    queues = {kind: [q for q in questions if q.kind == kind] for kind in KINDS}
    chosen: list[Question] = []
    while len(chosen) < count:
        for kind in KINDS:
            if queues[kind] and len(chosen) < count:
                chosen.append(queues[kind].pop(0))
    return chosen


def percentile(samples: Sequence[float], p: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def ratio(ours: float | None, bare: float | None) -> float | None:
    return round(ours / bare, 3) if ours is not None and bare else None


# --- 1. code lookup ------------------------------------------------------------


def bench_code_lookup(
    answerer: Answerer, questions: Sequence[Question]
) -> dict[str, Any]:
    codes = [q for q in questions if q.kind == "code"]
    routes = {q.id: answerer.ask(q.question).route for q in codes}  # warm-up
    timed = [q for q in codes if routes[q.id] is Route.CODE_LOOKUP]
    samples: list[float] = []
    for _ in range(CODE_ROUNDS if timed else 0):
        for q in timed:
            started = time.perf_counter()
            answer = answerer.ask(q.question)
            samples.append((time.perf_counter() - started) * 1000)
            if answer.model_id is not None:
                raise RuntimeError(f"{q.id}: the code-lookup route called the model")
    return {
        "questions": len(codes),
        "answered_by_lookup": len(timed),
        "misrouted": [
            {"id": i, "route": r.value}
            for i, r in routes.items()
            if r is not Route.CODE_LOOKUP
        ],
        "rounds": CODE_ROUNDS,
        "samples": len(samples),
        "model_calls": 0,
        "p50_ms": rounded(percentile(samples, 50), 3) if samples else None,
        "p95_ms": rounded(percentile(samples, 95), 3) if samples else None,
        "max_ms": rounded(max(samples), 3) if samples else None,
        "target_p50_ms": TARGET_CODE_P50_MS,
    }


def cli_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_AGENT_")}
    env["EDGE_AGENT_HOME"] = str(home)
    return env


def bench_cli(home: Path, runs: int) -> dict[str, Any]:
    """Wall time of the one-shot ``edge-agent ask "E-42" --json``, after a warm-up."""
    command = [str(Path(sys.executable).parent / "edge-agent"), "ask", CLI_QUESTION]
    command.append("--json")
    walls: list[float] = []
    result = None
    for run in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=cli_environment(home),
            timeout=120,
            check=False,
        )
        if run:
            walls.append((time.perf_counter() - started) * 1000)
    assert result is not None
    reply = json.loads(result.stdout) if result.returncode == 0 else {}
    return {
        "command": f'edge-agent ask "{CLI_QUESTION}" --json',
        "runs": runs,
        "exit_code": result.returncode,
        "route": reply.get("route"),
        "model": reply.get("model"),
        "stderr": result.stderr.strip()[-500:],
        "wall_ms": [round(w, 1) for w in walls],
        "p50_ms": rounded(statistics.median(walls), 1),
        "min_ms": rounded(min(walls), 1),
    }


# --- 2. generation -------------------------------------------------------------


class ClockedModel:
    """A ``ChatModel`` that notes what it was asked, what it wrote and when the
    first piece came; it wraps the model the Answerer uses, adding one clock
    read per piece."""

    def __init__(self, inner: ChatModel) -> None:
        self._inner = inner
        self.messages: tuple[ChatMessage, ...] = ()
        self.text = ""
        self.first_piece_at: float | None = None
        self.stop_reason = ""

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def context_tokens(self) -> int:
        return int(getattr(self._inner, "context_tokens", 0))

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        limits: GenerationLimits,
        completion: Completion,
        *,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        self.messages, self.text, self.first_piece_at = tuple(messages), "", None
        pieces = self._inner.stream(
            messages, limits, completion, json_schema=json_schema
        )
        try:
            for piece in pieces:
                if self.first_piece_at is None:
                    self.first_piece_at = time.perf_counter()
                self.text += piece
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
            self.stop_reason = completion.stop_reason


@dataclass(frozen=True, slots=True)
class Generation:
    """One completion's counts and times (seconds from the model call)."""

    tokens: int
    first_token_s: float | None
    seconds: float
    text: str = ""
    stop_reason: str = ""
    end_to_end_first_token_s: float | None = None

    @property
    def decode_seconds(self) -> float:
        return self.seconds - (self.first_token_s or self.seconds)

    @property
    def tokens_per_s(self) -> float | None:
        return throughput([self])


class BareLlama:
    """llama-cpp-python used directly: the baseline for our model path."""

    def __init__(self, path: Path, *, context_tokens: int, seed: int) -> None:
        from llama_cpp import Llama

        self._seed = seed
        self._llama = Llama(
            model_path=str(path),
            n_ctx=context_tokens,
            n_threads=max(1, os.cpu_count() or 1),
            seed=seed,
            verbose=False,
        )

    def run(self, messages: Sequence[ChatMessage], max_tokens: int) -> Generation:
        started = time.perf_counter()
        first, tokens, text, reason = None, 0, [], ""
        prompt: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
        chunks: Any = self._llama.create_chat_completion(
            prompt,
            max_tokens=max_tokens,
            temperature=0.0,
            seed=self._seed,
            stream=True,
        )
        for chunk in chunks:
            choice = chunk["choices"][0]
            piece = choice["delta"].get("content")
            if piece:
                first = first or time.perf_counter() - started
                tokens += 1
                text.append(piece)
            reason = choice.get("finish_reason") or reason
        seconds = time.perf_counter() - started
        reason = {"length": "max_tokens", "stop": "end"}.get(reason, reason or "end")
        return Generation(tokens, first, seconds, "".join(text), reason)


def ours_generation(answer: Answer, model: ClockedModel, asked: float) -> Generation:
    timings = answer.timings
    return Generation(
        tokens=int(answer.tokens.get("completion", 0)),
        first_token_s=timings["first_token_ms"] / 1000,
        seconds=timings["generation_ms"] / 1000,
        text=model.text,
        stop_reason=model.stop_reason,
        end_to_end_first_token_s=(
            None if model.first_piece_at is None else model.first_piece_at - asked
        ),
    )


def throughput(runs: Sequence[Generation]) -> float | None:
    decode = sum(r.decode_seconds for r in runs)
    tokens = sum(max(0, r.tokens - 1) for r in runs)
    return tokens / decode if decode > 0 else None


def ttft_p50_ms(values: Sequence[float | None]) -> float | None:
    present = [v * 1000 for v in values if v is not None]
    return rounded(statistics.median(present)) if present else None


def summarise_generation(
    pairs: Sequence[tuple[Generation, Generation]], settings: AnswerSettings
) -> dict[str, Any]:
    """Ours against bare. The headline ratios are medians of per-question
    ratios: a burst of load from elsewhere slows one side of one pair, which
    moves a median little but a pooled rate a lot."""
    ours = [o for o, _ in pairs]
    bare = [b for _, b in pairs]
    same = [(o, b) for o, b in pairs if o.text == b.text]
    return {
        "questions": len(pairs),
        "max_tokens": settings.max_tokens,
        "max_seconds": settings.max_seconds,
        "prompt_tokens_budget": settings.prompt_tokens,
        "ours": side_figures(ours),
        "bare": side_figures(bare),
        "throughput_ours_over_bare": median_ratio(
            (o.tokens_per_s, b.tokens_per_s) for o, b in pairs
        ),
        "throughput_ours_over_bare_pooled": ratio(throughput(ours), throughput(bare)),
        "throughput_ours_over_bare_same_text": ratio(
            throughput([o for o, _ in same]), throughput([b for _, b in same])
        ),
        "ttft_ours_over_bare": median_ratio(
            (o.first_token_s, b.first_token_s) for o, b in pairs
        ),
        "ttft_end_to_end_over_bare": median_ratio(
            (o.end_to_end_first_token_s, b.first_token_s) for o, b in pairs
        ),
        "ttft_p50_ours_over_bare": ratio(
            ttft_p50_ms([o.first_token_s for o in ours]),
            ttft_p50_ms([b.first_token_s for b in bare]),
        ),
        "same_text": len(same),
        "ours_shorter": sum(
            o.text != b.text and b.text.startswith(o.text) for o, b in pairs
        ),
        "target_throughput_ratio": TARGET_THROUGHPUT_RATIO,
    }


def median_ratio(values: Iterable[tuple[float | None, float | None]]) -> float | None:
    ratios = [o / b for o, b in values if o is not None and b]
    return round(statistics.median(ratios), 3) if ratios else None


def side_figures(runs: Sequence[Generation]) -> dict[str, Any]:
    firsts = [r.first_token_s * 1000 for r in runs if r.first_token_s is not None]
    return {
        "ttft_p50_ms": rounded(statistics.median(firsts)) if firsts else None,
        "ttft_p95_ms": rounded(percentile(firsts, 95)) if firsts else None,
        "completion_tokens": sum(r.tokens for r in runs),
        "decode_seconds": round(sum(r.decode_seconds for r in runs), 3),
        "tokens_per_s": rounded(throughput(runs), 1),
        "stop_reasons": dict(Counter(r.stop_reason for r in runs)),
        "end_to_end_ttft_p50_ms": ttft_p50_ms(
            [r.end_to_end_first_token_s for r in runs]
        ),
    }


# --- 3. and 4. retrieval and answers -------------------------------------------


@dataclass(slots=True)
class Asked:
    """One question's answer, its search results and, if any, the two runs."""

    question: Question
    answer: Answer
    hits: list[SearchHit]
    pair: tuple[Generation, Generation] | None = None
    prompt_matches: bool | None = None
    """Whether the Answerer sent the messages the benchmark built for bare."""

    @property
    def answered_absent(self) -> bool:
        return answered_absent(self.answer)

    @property
    def unretrieved_citations(self) -> list[str]:
        allowed = {hit.chunk_id for hit in self.hits[:RETRIEVED_CHUNKS]}
        allowed |= {fact.chunk_id for fact in self.answer.facts}
        cited = [c.chunk_id for c in (*self.answer.citations, *self.answer.closest)]
        return [chunk_id for chunk_id in cited if chunk_id not in allowed]


def hit_at(question: Question, hits: Sequence[SearchHit], k: int) -> bool:
    ranked = [hit.chunk_id for hit in hits]
    return bool(question.expected_chunks) and is_hit(
        ranked, k, expected_chunks=question.expected_chunks
    )


def bench_retrieval(asked: Sequence[Asked]) -> dict[str, Any]:
    scored = [a for a in asked if a.question.expected_chunks]
    absent = [a for a in asked if a.question.kind == "absent"]

    def rates(items: Sequence[Asked]) -> dict[str, Any]:
        n = len(items)
        return {
            "questions": n,
            "hit_at_1": rounded(
                sum(hit_at(a.question, a.hits, 1) for a in items) / n, 3
            ),
            "hit_at_5": rounded(
                sum(hit_at(a.question, a.hits, 5) for a in items) / n, 3
            ),
        }

    by_kind = {
        kind: rates(items)
        for kind in KINDS
        if (items := [a for a in scored if a.question.kind == kind])
    }
    overall = (
        rates(scored)
        if scored
        else {"questions": 0, "hit_at_1": None, "hit_at_5": None}
    )
    return {
        **overall,
        "search_limit": SEARCH_LIMIT,
        "by_kind": by_kind,
        "absent": {
            "questions": len(absent),
            "answered_absent": sum(a.answered_absent for a in absent),
            "rate": rounded(sum(a.answered_absent for a in absent) / len(absent), 3)
            if absent
            else None,
            "missed": [miss_record(a) for a in absent if not a.answered_absent],
        },
        "failures": [
            miss_record(a)
            for a in scored
            if not hit_at(a.question, a.hits, SEARCH_LIMIT)
        ],
        "target_hit_at_5": TARGET_HIT_AT_5,
    }


def miss_record(asked: Asked) -> dict[str, Any]:
    q = asked.question
    return {
        "id": q.id,
        "kind": q.kind,
        "question": q.question,
        "expected": list(q.expected_chunks),
        "route": asked.answer.route.value,
        "returned": [
            {"chunk_id": h.chunk_id, "section": h.chunk.section, "score": h.score}
            for h in asked.hits
        ],
    }


def bench_answers(asked: Sequence[Asked]) -> dict[str, Any]:
    modelled = [a for a in asked if a.answer.model_id is not None]
    retrieval = [a for a in asked if a.answer.route is Route.RETRIEVAL]
    ungrounded = [a for a in modelled if a.answer.unsupported]
    extractive = [a for a in retrieval if a.answer.extractive]
    violations = [a for a in asked if a.unretrieved_citations]
    by_kind: dict[str, Counter[str]] = {}
    for a in asked:
        by_kind.setdefault(a.question.kind, Counter())[a.answer.route.value] += 1
    return {
        "questions": len(asked),
        "routes": dict(Counter(a.answer.route.value for a in asked)),
        "routes_by_kind": {kind: dict(counts) for kind, counts in by_kind.items()},
        "model_answers": len(modelled),
        "ungrounded": len(ungrounded),
        "ungrounded_rate": rounded(len(ungrounded) / len(modelled), 3)
        if modelled
        else None,
        "unsupported_sentences": sum(len(a.answer.unsupported) for a in modelled),
        "kept_sentences": sum(len(a.answer.model_sentences) for a in modelled),
        **explanation_figures(modelled),
        "retrieval_answers": len(retrieval),
        "extractive": len(extractive),
        "extractive_rate": rounded(len(extractive) / len(retrieval), 3)
        if retrieval
        else None,
        "unretrieved_citations": len(violations),
        "violations": [
            {"id": a.question.id, "chunks": a.unretrieved_citations} for a in violations
        ],
        "answerable_not_found": [
            a.question.id
            for a in asked
            if a.question.expected_chunks and a.answer.route is Route.NOT_FOUND
        ],
        "prompt_mismatches": [
            a.question.id for a in asked if a.prompt_matches is False
        ],
        "details": [answer_record(a) for a in asked],
    }


def explanation_figures(modelled: Sequence[Asked]) -> dict[str, Any]:
    """How often the model's explanation is shown (it passed the checks and
    added something to the quotes), and what generating it cost."""
    shown = [
        a for a in modelled if a.answer.model_sentences and not a.answer.extractive
    ]
    generation = [a.answer.timings.get("generation_ms", 0.0) for a in modelled]
    return {
        "explanations_shown": len(shown),
        "explanations_shown_share": rounded(len(shown) / len(modelled), 3)
        if modelled
        else None,
        "generation_ms_p50": rounded(statistics.median(generation), 1)
        if generation
        else None,
        "generation_ms_total": rounded(sum(generation), 1),
    }


def answer_record(asked: Asked) -> dict[str, Any]:
    answer = asked.answer
    record: dict[str, Any] = {
        "id": asked.question.id,
        "route": answer.route.value,
        "extractive": answer.extractive,
        "kept": len(answer.model_sentences),
        "unsupported": [
            {"sentence": u.sentence, "reasons": list(u.reasons)}
            for u in answer.unsupported
        ],
        "notices": list(answer.notices),
        "total_ms": answer.timings.get("total_ms"),
    }
    if asked.pair is not None:
        ours, bare = asked.pair
        record["ours"] = generation_record(ours)
        record["bare"] = generation_record(bare)
        record["same_text"] = ours.text == bare.text
    return record


def generation_record(run: Generation) -> dict[str, Any]:
    return {
        "tokens": run.tokens,
        "ttft_s": rounded(run.first_token_s, 3),
        "tokens_per_s": rounded(run.tokens_per_s, 1),
        "stop_reason": run.stop_reason,
    }


# --- the run -------------------------------------------------------------------


@dataclass(slots=True)
class Bench:
    """What the passes share: the store, the Answerer and, with a model, both runs."""

    store: KnowledgeStore
    answerer: Answerer
    settings: AnswerSettings
    clocked: ClockedModel | None = None
    bare: BareLlama | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def reaches_model(self, question: str, hits: Sequence[SearchHit]) -> bool:
        understood = self.store.understand(question)
        if code_mentions(understood).found:
            return False
        return bool(relevant_hits(understood, hits))

    def prompt(self, question: str, hits: Sequence[SearchHit]) -> Prompt:
        """The messages the Answerer builds for ``question`` (see ``_explained``)."""
        assert self.clocked is not None
        s = self.settings
        return build_prompt(
            question,
            relevant_hits(self.store.understand(question), hits),
            count_tokens=self.clocked.count_tokens,
            context_tokens=min(s.context_tokens, s.prompt_tokens + s.max_tokens),
            answer_tokens=s.max_tokens,
        )

    def ask(self, q: Question, order: int) -> Asked:
        hits = self.store.search(q.question, limit=SEARCHED)
        if self.clocked is None or self.bare is None:
            return Asked(q, self.answerer.ask(q.question), hits)
        if not self.reaches_model(q.question, hits):
            return Asked(q, self.answerer.ask(q.question), hits)
        messages = self.prompt(q.question, hits).messages
        bare = None
        if order % 2:
            bare = self.bare.run(messages, self.settings.max_tokens)
        asked_at = time.perf_counter()
        answer = self.answerer.ask(q.question)
        if answer.model_id is None:
            return Asked(q, answer, hits, prompt_matches=False)
        ours = ours_generation(answer, self.clocked, asked_at)
        if bare is None:
            bare = self.bare.run(messages, self.settings.max_tokens)
        result = Asked(q, answer, hits, (ours, bare))
        result.prompt_matches = self.clocked.messages == messages
        return result


def load_models(bench: Bench, loader: ModelLoader) -> None:
    started = time.perf_counter()
    model = loader.wait()
    bench.timings["ours_load_s"] = round(time.perf_counter() - started, 3)
    if not isinstance(model, ClockedModel):
        raise RuntimeError(f"The model did not load: {loader.error}")
    bench.clocked = model
    started = time.perf_counter()
    bench.bare = BareLlama(
        default_model_path(),
        context_tokens=model.context_tokens or bench.settings.context_tokens,
        seed=seed_of_llama_model(),
    )
    bench.timings["bare_load_s"] = round(time.perf_counter() - started, 3)


def seed_of_llama_model() -> int:
    from edge_agent.llm.llama import DEFAULT_SEED

    return DEFAULT_SEED


def ask_all(bench: Bench, questions: Sequence[Question]) -> list[Asked]:
    asked = []
    for order, q in enumerate(questions):
        log(f"  {order + 1:>3}/{len(questions)} {q.id}: {q.question}")
        asked.append(bench.ask(q, order))
    return asked


def machine_facts(model: bool, load_before: Sequence[float]) -> dict[str, Any]:
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else ()
    return {
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "usable_cores": len(usable) or os.cpu_count(),
        "python": platform.python_version(),
        "llama_cpp_python": metadata.version("llama_cpp_python"),
        "model_file": default_model_path().name if model else None,
        "platform": platform.platform(),
    }


def run(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    load_before = os.getloadavg()
    questions = subsample(load_questions(args.questions_file), args.questions)
    settings = AnswerSettings()
    loader = (
        None
        if args.no_model
        else ModelLoader(factory=lambda path: ClockedModel(load_llama(path)))
    )
    home.mkdir(parents=True)
    with KnowledgeStore.open(home / "knowledge.db") as store:
        store.ingest([demo_data_dir()])
        bench = Bench(store, Answerer(store, loader, settings), settings)
        log(f"1. code lookup: {CODE_ROUNDS} rounds over the code questions ...")
        code = bench_code_lookup(bench.answerer, questions)
        log("   the one-shot command line ...")
        code["cli"] = bench_cli(home, args.cli_runs)
        if loader is not None:
            log("2. loading the model twice (ours, bare) ...")
            load_models(bench, loader)
        log(f"3./4. asking {len(questions)} questions ...")
        asked = ask_all(bench, questions)
    paired = [a for a in asked if a.pair is not None]
    generation = None
    if loader is not None:
        # The first question that reaches the model warms up both; not timed.
        pairs = [a.pair for a in paired[1:] if a.pair is not None]
        generation = summarise_generation(pairs, settings)
        warmup = paired[0].question.id if paired else None
        generation |= {"warmup": warmup, **bench.timings}
    return {
        "machine": machine_facts(loader is not None, load_before),
        "questions": len(questions),
        "code_lookup": code,
        "generation": generation,
        "retrieval": bench_retrieval(asked),
        "answers": bench_answers(asked),
    }


# --- report --------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("meets target" if ok else "MISSES TARGET")


def at_least(value: float | None, target: float) -> bool | None:
    return None if value is None else value >= target


def render_code(c: dict[str, Any]) -> list[str]:
    p50 = c["p50_ms"]
    cli = c["cli"]
    return [
        f"1. Code lookup: {c['answered_by_lookup']}/{c['questions']} code questions "
        f"answered by lookup, {c['samples']} timed asks, model calls "
        f"{c['model_calls']}",
        f"   Answerer.ask p50 {p50} ms, p95 {c['p95_ms']} ms, max {c['max_ms']} ms"
        f"   target p50 <= {TARGET_CODE_P50_MS:g} ms: "
        f"{verdict(None if p50 is None else p50 <= TARGET_CODE_P50_MS)}",
        *(f"   MISROUTED {m['id']}: {m['route']}" for m in c["misrouted"]),
        f"   {cli['command']}: p50 {cli['p50_ms']} ms, min {cli['min_ms']} ms over "
        f"{cli['runs']} runs (exit {cli['exit_code']}, route {cli['route']}, "
        f"model {cli['model']})",
    ]


def render_generation(g: dict[str, Any] | None) -> list[str]:
    if g is None:
        return ["2. Generation: skipped (--no-model)"]
    ours, bare = g["ours"], g["bare"]
    tps_ratio = g["throughput_ours_over_bare"]
    return [
        f"2. Generation: {g['questions']} questions after a warm-up on "
        f"{g['warmup']}; max_tokens {g['max_tokens']}, max_seconds "
        f"{g['max_seconds']:g}; load ours {g['ours_load_s']} s, bare "
        f"{g['bare_load_s']} s",
        "                     TTFT p50 / p95 ms   tokens/s   tokens   decode s",
        f"   ours (model call) {side_row(ours)}",
        f"   ours (from ask)   {ours['end_to_end_ttft_p50_ms']!s:>8}",
        f"   bare llama-cpp    {side_row(bare)}",
        f"   ours/bare throughput, median per question {times(tps_ratio)} (target >= "
        f"{TARGET_THROUGHPUT_RATIO}: "
        f"{verdict(at_least(tps_ratio, TARGET_THROUGHPUT_RATIO))}); pooled "
        f"{times(g['throughput_ours_over_bare_pooled'])}; pooled on identical texts "
        f"{times(g['throughput_ours_over_bare_same_text'])}",
        f"   ours/bare TTFT, median per question {times(g['ttft_ours_over_bare'])} "
        f"(model call), {times(g['ttft_end_to_end_over_bare'])} (from ask); ratio of "
        f"p50s {times(g['ttft_p50_ours_over_bare'])}",
        f"   same text as bare: {g['same_text']}/{g['questions']}; ours shorter: "
        f"{g['ours_shorter']}; stop reasons ours {ours['stop_reasons']}, bare "
        f"{bare['stop_reasons']}",
    ]


def times(value: float | None) -> str:
    return "n/a" if value is None else f"{value}x"


def side_row(side: dict[str, Any]) -> str:
    ttft = f"{side['ttft_p50_ms']} / {side['ttft_p95_ms']}"
    return (
        f"{ttft:>18} {side['tokens_per_s']!s:>10} {side['completion_tokens']:>8} "
        f"{side['decode_seconds']:>10}"
    )


def render_retrieval(r: dict[str, Any]) -> list[str]:
    absent = r["absent"]
    lines = [
        f"3. Retrieval: {r['questions']} questions with expected chunks, "
        f"search limit {r['search_limit']}",
        f"   hit@1 {r['hit_at_1']}  hit@5 {r['hit_at_5']}   target hit@5 >= "
        f"{TARGET_HIT_AT_5}: {verdict(at_least(r['hit_at_5'], TARGET_HIT_AT_5))}",
        *(
            f"   {kind:<10} n={k['questions']:<3} hit@1 {k['hit_at_1']:<6} "
            f"hit@5 {k['hit_at_5']}"
            for kind, k in r["by_kind"].items()
        ),
        f"   absent: {absent['answered_absent']}/{absent['questions']} answered as "
        f"not in the knowledge base (rate {absent['rate']})",
    ]
    for miss in [*r["failures"], *absent["missed"]]:
        returned = ", ".join(h["chunk_id"] for h in miss["returned"]) or "nothing"
        lines.append(
            f"   MISS {miss['id']} {miss['question']!r} (route {miss['route']}): "
            f"expected {', '.join(miss['expected']) or 'not found'}; got {returned}"
        )
    return lines


def render_answers(a: dict[str, Any]) -> list[str]:
    routes = ", ".join(f"{k} {v}" for k, v in sorted(a["routes"].items()))
    lines = [
        f"4. Answers: {a['questions']} questions; routes: {routes}",
        f"   with a sentence flagged ungrounded: {a['ungrounded']}/"
        f"{a['model_answers']} model answers (rate {a['ungrounded_rate']}); "
        f"sentences kept {a['kept_sentences']}, dropped "
        f"{a['unsupported_sentences']}",
        f"   explanations shown (checked, adding to the quotes): "
        f"{a['explanations_shown']}/{a['model_answers']} model answers (share "
        f"{a['explanations_shown_share']}); generation p50 "
        f"{a['generation_ms_p50']} ms, total {a['generation_ms_total']} ms",
        f"   extractive fallbacks: {a['extractive']}/{a['retrieval_answers']} "
        f"retrieval answers (rate {a['extractive_rate']})",
        f"   citations of chunks neither retrieved nor quoted: "
        f"{a['unretrieved_citations']} (must be 0: "
        f"{verdict(a['unretrieved_citations'] == 0)})",
    ]
    lines += [f"   VIOLATION {v['id']}: {v['chunks']}" for v in a["violations"]]
    if a["answerable_not_found"]:
        lines.append(f"   answerable but not found: {a['answerable_not_found']}")
    if a["prompt_mismatches"]:
        lines.append(f"   PROMPT MISMATCH with the Answerer: {a['prompt_mismatches']}")
    return lines


def busy_warning(machine: dict[str, Any]) -> list[str]:
    load = machine["load_average_before"][0]
    if load < BUSY_LOAD:
        return []
    return [
        f"WARNING: the machine was busy before the run (load {load}); timings "
        "are noisy, ratios less so (ours and bare alternate)."
    ]


def render(figures: dict[str, Any]) -> str:
    m = figures["machine"]
    return "\n".join(
        [
            f"machine: {m['usable_cores']} of {m['cores']} cores, "
            f"Python {m['python']}, "
            f"llama-cpp-python {m['llama_cpp_python']}, model {m['model_file']}, "
            f"{m['platform']}",
            f"load average (1, 5, 15 min) before {m['load_average_before']}, "
            f"after {m['load_average_after']}",
            *busy_warning(m),
            "",
            *render_code(figures["code_lookup"]),
            "",
            *render_generation(figures["generation"]),
            "",
            *render_retrieval(figures["retrieval"]),
            "",
            *render_answers(figures["answers"]),
        ]
    )


# --- command line --------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--questions", type=int, help="ask only N questions, kinds taken in turn"
    )
    parser.add_argument(
        "--no-model", action="store_true", help="answer without a model"
    )
    parser.add_argument("--cli-runs", type=int, default=3, help="timed CLI runs")
    parser.add_argument("--questions-file", type=Path, default=QUESTIONS_FILE)
    parser.add_argument(
        "--json", action="store_true", help="print JSON on stdout, table on stderr"
    )
    args = parser.parse_args(argv)
    if (args.questions is not None and args.questions < 1) or args.cli_runs < 1:
        parser.error("--questions and --cli-runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its figures and return them."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-answers-") as temporary:
        figures = run(args, Path(temporary) / "home")
    if args.json:
        log(render(figures))
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print(render(figures))
    return figures


if __name__ == "__main__":
    main()
