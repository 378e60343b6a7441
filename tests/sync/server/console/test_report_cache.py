"""The console's report cache: a report is computed once per key while it is
fresh, again after its time, and only the newest few are kept."""

from __future__ import annotations

from datetime import timedelta

from sync.server.console.report_cache import ReportCache
from tests.sync.server.support import Clock


class Counter:
    """A report that says how many times it was computed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_a_report_is_computed_once_while_fresh_then_again() -> None:
    clock, compute = Clock(), Counter()
    cache: ReportCache[int] = ReportCache(ttl=timedelta(seconds=60))

    first = cache.get("a", compute, clock)
    again = cache.get("a", compute, clock)
    clock.advance(timedelta(seconds=61))
    later = cache.get("a", compute, clock)

    assert (first.value, again.value, later.value) == (1, 1, 2)
    assert first.computed_at == again.computed_at < later.computed_at


def test_each_key_has_its_report_and_the_oldest_go_past_the_limit() -> None:
    clock, compute = Clock(), Counter()
    cache: ReportCache[int] = ReportCache(kept=2)

    values = [cache.get(key, compute, clock).value for key in ("a", "b", "c")]
    kept_b = cache.get("b", compute, clock).value
    again_a = cache.get("a", compute, clock).value

    assert values == [1, 2, 3] and kept_b == 2 and again_a == 4


def test_what_is_drawn_from_a_report_is_drawn_once() -> None:
    clock, drawn = Clock(), []
    cache: ReportCache[int] = ReportCache()
    computed = cache.get("a", lambda: 7, clock)

    def draw(value: int) -> str:
        drawn.append(value)
        return f"<svg>{value}</svg>"

    texts = [cache.drawn("a", computed, "routes", draw) for _ in range(2)]

    assert texts == ["<svg>7</svg>"] * 2 and drawn == [7]
