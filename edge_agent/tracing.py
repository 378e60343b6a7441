"""Traces of technician turns: one trace per turn, one span per step.

Span names and attributes follow the OpenTelemetry GenAI semantic conventions
where they define one (``invoke_agent``, ``chat``, ``execute_tool`` and the
``gen_ai.*`` attributes); the steps they do not cover use ``edge.*`` names.
Policy decisions and confirmations are spans of their own. Traces are plain
values: the outbox stores them as JSON and :func:`sync.otlp_document` exports them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

AttributeValue = str | int | float | bool

AGENT_NAME = "edge-field-assistant"
REDACTED = "[redacted]"

# Span names.
TURN = "invoke_agent"
INTAKE = "edge.intake"
OCR = "edge.ocr"
RETRIEVAL = "edge.retrieval"
READING = "edge.request.reading"
CHAT = "chat"
MODEL_REFUSED = "edge.model.refused"
"""The model file was not loaded: it is not in the device's release."""
TOOL = "execute_tool"
POLICY = "edge.policy.decision"
CONFIRMATION = "edge.confirmation"
QUEUE = "edge.queue"


def _new_span_id() -> str:
    return secrets.token_hex(8)


def _new_trace_id() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Span:
    """One step of a turn, with its timing, attributes and error if any."""

    span_id: str
    parent_id: str | None
    name: str
    start_ns: int
    end_ns: int
    attributes: Mapping[str, AttributeValue]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "name": self.name,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
            "attributes": dict(self.attributes),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Span:
        return cls(
            span_id=str(data["span_id"]),
            parent_id=data.get("parent_id"),
            name=str(data["name"]),
            start_ns=int(data["start_ns"]),
            end_ns=int(data["end_ns"]),
            attributes=dict(data.get("attributes", {})),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class Trace:
    """A finished turn: its id, name and spans (the root span first)."""

    trace_id: str
    name: str
    spans: tuple[Span, ...]

    @property
    def start_ns(self) -> int:
        return min((s.start_ns for s in self.spans), default=0)

    @property
    def end_ns(self) -> int:
        return max((s.end_ns for s in self.spans), default=0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "name": self.name,
            "spans": [span.as_dict() for span in self.spans],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trace:
        return cls(
            trace_id=str(data["trace_id"]),
            name=str(data["name"]),
            spans=tuple(Span.from_dict(s) for s in data.get("spans", ())),
        )


@dataclass(slots=True)
class _OpenSpan:
    span_id: str
    parent_id: str | None
    name: str
    start_ns: int
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    error: str | None = None

    def set(self, **attributes: AttributeValue | None) -> None:
        """Add attributes (dots in names are written as ``__``); ``None`` skips."""
        for key, value in attributes.items():
            if value is not None:
                self.attributes[key.replace("__", ".")] = value


class TurnTracer:
    """Records the spans of one turn; ``finish()`` returns the :class:`Trace`.

    Args:
        name: what the turn was (``ask``, ``propose``, ``ocr``).
        redact: argument and attribute names whose values never reach a trace
            (from the policy's redaction list).
        clock_ns: a nanosecond clock (tests pass a fake one).
        new_trace_id, new_span_id: id sources (tests pass fixed ones).
    """

    def __init__(
        self,
        name: str,
        *,
        redact: Sequence[str] = (),
        clock_ns: Callable[[], int] = time.time_ns,
        new_trace_id: Callable[[], str] = _new_trace_id,
        new_span_id: Callable[[], str] = _new_span_id,
    ) -> None:
        self.trace_id = new_trace_id()
        self._name = name
        self._redact = frozenset(redact)
        self._clock = clock_ns
        self._new_span_id = new_span_id
        self._spans: list[Span] = []
        self._stack: list[_OpenSpan] = []
        self._root = self._open(
            TURN,
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": AGENT_NAME,
                "edge.turn": name,
            },
        )

    @contextmanager
    def span(
        self, name: str, **attributes: AttributeValue | None
    ) -> Iterator[_OpenSpan]:
        """A child span of the current one; an exception marks it and propagates."""
        opened = self._open(name, {})
        opened.set(**attributes)
        try:
            yield opened
        except BaseException as exc:
            opened.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self._close(opened)

    def annotate(self, **attributes: AttributeValue | None) -> None:
        """Add attributes to the turn's root span (``__`` for dots, as
        :meth:`span`): what the whole turn came to, such as its route."""
        self._root.set(**attributes)

    def redacted(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with the policy's redacted fields replaced, recursively."""
        return {
            key: REDACTED
            if key in self._redact
            else self.redacted(value)
            if isinstance(value, Mapping)
            else value
            for key, value in values.items()
        }

    def finish(self, error: str | None = None) -> Trace:
        """Close every open span (the root last) and return the trace."""
        while self._stack:
            opened = self._stack[-1]
            if opened is self._root and error:
                opened.error = error
            self._close(opened)
        spans = sorted(self._spans, key=lambda s: (s.parent_id is not None, s.start_ns))
        return Trace(self.trace_id, self._name, tuple(spans))

    def _open(self, name: str, attributes: dict[str, AttributeValue]) -> _OpenSpan:
        parent = self._stack[-1].span_id if self._stack else None
        opened = _OpenSpan(self._new_span_id(), parent, name, self._clock(), attributes)
        self._stack.append(opened)
        return opened

    def _close(self, opened: _OpenSpan) -> None:
        if opened in self._stack:
            self._stack.remove(opened)
        attributes = {
            key: REDACTED if key.rsplit(".", 1)[-1] in self._redact else value
            for key, value in opened.attributes.items()
        }
        self._spans.append(
            Span(
                opened.span_id,
                opened.parent_id,
                opened.name,
                opened.start_ns,
                self._clock(),
                attributes,
                opened.error,
            )
        )
