"""In-process service metrics: refusals, push latency.

Queue depths (held, quarantined, deliveries) come from the database when the
metrics endpoint is read; these counters cover this process since it started.
"""

from __future__ import annotations

import statistics
import threading
from collections import Counter, deque
from collections.abc import Sequence
from typing import Any

from sync.server.storage.actions import Settled

SAMPLES = 2000
"""Push latencies kept for the percentiles."""


class Metrics:
    """Counters and recent push latencies; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._push_seconds: deque[float] = deque(maxlen=SAMPLES)
        self._per_action_ms: deque[float] = deque(maxlen=SAMPLES)
        self._results: Counter[str] = Counter()
        self._pushes = 0
        self._actions = 0
        self.refused = 0

    def observe_push(
        self, count: int, outcomes: Sequence[Settled], seconds: float
    ) -> None:
        """Record one push: its size, the new results, the time it took."""
        with self._lock:
            self._pushes += 1
            self._actions += count
            self._push_seconds.append(seconds)
            if count:
                self._per_action_ms.append(seconds * 1000 / count)
            self._results.update(o.verdict.status for o in outcomes)

    def refuse(self) -> None:
        with self._lock:
            self.refused += 1

    def snapshot(self) -> dict[str, Any]:
        """The counters as JSON-ready values."""
        with self._lock:
            decided = sum(
                self._results[s] for s in ("applied", "quarantined", "rejected")
            )
            return {
                "pushes": self._pushes,
                "actions_pushed": self._actions,
                "results": dict(self._results),
                "quarantine_rate": round(self._results["quarantined"] / decided, 4)
                if decided
                else 0.0,
                "push_latency_ms": _percentiles([s * 1000 for s in self._push_seconds]),
                "apply_latency_ms_per_action": _percentiles(list(self._per_action_ms)),
                "refused_overloaded": self.refused,
            }


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"count": 0}
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return {
        "count": len(ordered),
        "p50": round(cuts[49], 3),
        "p95": round(cuts[94], 3),
        "max": round(ordered[-1], 3),
    }
