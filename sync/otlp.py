"""Traces as OTLP JSON (the OpenTelemetry protocol's JSON encoding).

Works on traces in the form the outbox stores and the wire carries
(``trace_id``, ``name``, ``spans``: ``span_id``, ``parent_id``, ``name``,
``start_ns``, ``end_ns``, ``attributes``, ``error``), so the device and the
centre export alike. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SPAN_KIND_INTERNAL = 1
SPAN_KIND_CLIENT = 3
STATUS_UNSET = 0
STATUS_ERROR = 2
_CLIENT_SPANS = frozenset({"chat"})
SERVICE_NAME = "edge-field-assistant"


def otlp_document(
    resources: Iterable[tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]],
    *,
    service_version: str,
) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest``: per resource (its attributes, e.g.
    the device), every span of its traces."""
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": _attributes(
                        {
                            "service.name": SERVICE_NAME,
                            "service.version": service_version,
                            **attributes,
                        }
                    )
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "edge_agent", "version": service_version},
                        "spans": [
                            _span(str(trace["trace_id"]), span)
                            for trace in traces
                            for span in trace.get("spans", ())
                        ],
                    }
                ],
            }
            for attributes, traces in resources
        ]
    }


def _span(trace_id: str, span: Mapping[str, Any]) -> dict[str, Any]:
    name = str(span.get("name", ""))
    error = span.get("error")
    encoded: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": str(span.get("span_id", "")),
        "name": name,
        "kind": SPAN_KIND_CLIENT if name in _CLIENT_SPANS else SPAN_KIND_INTERNAL,
        "startTimeUnixNano": str(int(span.get("start_ns", 0))),
        "endTimeUnixNano": str(int(span.get("end_ns", 0))),
        "attributes": _attributes(span.get("attributes") or {}),
        "status": {"code": STATUS_ERROR, "message": str(error)}
        if error
        else {"code": STATUS_UNSET},
    }
    if span.get("parent_id"):
        encoded["parentSpanId"] = str(span["parent_id"])
    return encoded


def _attributes(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": _any_value(value)} for key, value in values.items()]


def _any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": str(value)}
