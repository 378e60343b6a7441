"""One question's turn as the parts of an answer share it: where its events
go, its cancel switch, its tracer, and how long its steps took."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.answer.values import AnswerEvent
from edge_agent.tracing import TurnTracer

EventSink = Callable[[AnswerEvent], None]


@dataclass(frozen=True, slots=True)
class AnswerTurn:
    """What one question's answering passes along: where events go, the cancel
    switch and the turn's tracer."""

    on_event: EventSink
    cancel: threading.Event
    tracer: TurnTracer


def ms_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()``)."""
    return round((time.perf_counter() - started) * 1000, 2)
