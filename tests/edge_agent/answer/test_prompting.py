from __future__ import annotations

from edge_agent.answer.prompting import SYSTEM_PROMPT, build_prompt
from knowledge_cache import Chunk, SearchHit


def hit(number: int, words: int) -> SearchHit:
    chunk = Chunk(
        f"doc.md#{number}",
        "doc.md",
        "Manual",
        f"Part {number}",
        None,
        " ".join(["valve"] * words),
    )
    return SearchHit(chunk=chunk, score=1.0, snippet="", match="text")


def count(text: str) -> int:
    return len(text.split())


def test_prompt_fits_the_budget_and_keeps_sources_in_rank_order() -> None:
    prompt = build_prompt(
        "how do I check the valve",
        [hit(1, 100), hit(2, 100), hit(3, 100)],
        count_tokens=count,
        context_tokens=560,
        answer_tokens=100,
    )
    total = sum(count(m.content) for m in prompt.messages)
    assert total <= 560 - 100
    assert [s.chunk_id for s in prompt.sources] == ["doc.md#1", "doc.md#2"]


def test_a_first_source_larger_than_the_budget_is_truncated_not_dropped() -> None:
    prompt = build_prompt(
        "valve",
        [hit(1, 2000)],
        count_tokens=count,
        context_tokens=400,
        answer_tokens=100,
    )
    (source,) = prompt.sources
    assert source.text.endswith("…")
    assert sum(count(m.content) for m in prompt.messages) <= 300


def test_system_prompt_is_constant_so_the_model_can_cache_it() -> None:
    one = build_prompt(
        "a", [hit(1, 5)], count_tokens=count, context_tokens=900, answer_tokens=100
    )
    two = build_prompt(
        "b", [hit(2, 50)], count_tokens=count, context_tokens=900, answer_tokens=100
    )
    assert one.messages[0].content == two.messages[0].content == SYSTEM_PROMPT
