"""Export traces as OTLP JSON (the OpenTelemetry protocol's JSON encoding)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from edge_agent.tracing import AGENT_NAME, AttributeValue, Span, Trace

SPAN_KIND_INTERNAL = 1
SPAN_KIND_CLIENT = 3
STATUS_UNSET = 0
STATUS_ERROR = 2
_CLIENT_SPANS = frozenset({"chat"})


def otlp_document(traces: Iterable[Trace], *, service_version: str) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest`` holding every span of ``traces``."""
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": _attributes(
                        {"service.name": AGENT_NAME, "service.version": service_version}
                    )
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "edge_agent", "version": service_version},
                        "spans": [
                            _span(trace.trace_id, span)
                            for trace in traces
                            for span in trace.spans
                        ],
                    }
                ],
            }
        ]
    }


def _span(trace_id: str, span: Span) -> dict[str, Any]:
    encoded: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": SPAN_KIND_CLIENT if span.name in _CLIENT_SPANS else SPAN_KIND_INTERNAL,
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.end_ns),
        "attributes": _attributes(span.attributes),
        "status": {"code": STATUS_ERROR, "message": span.error}
        if span.error
        else {"code": STATUS_UNSET},
    }
    if span.parent_id:
        encoded["parentSpanId"] = span.parent_id
    return encoded


def _attributes(values: dict[str, AttributeValue] | Any) -> list[dict[str, Any]]:
    return [{"key": key, "value": _any_value(value)} for key, value in values.items()]


def _any_value(value: AttributeValue) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}
