from __future__ import annotations

import itertools

import pytest

from edge_agent.tracing import CHAT, POLICY, REDACTED, RETRIEVAL, Trace, TurnTracer
from sync import otlp_document


def tracer(**kwargs) -> TurnTracer:
    ticks = itertools.count(1_000, 10)
    ids = (f"{n:016x}" for n in itertools.count(1))
    return TurnTracer(
        "propose",
        clock_ns=lambda: next(ticks),
        new_trace_id=lambda: "ab" * 16,
        new_span_id=lambda: next(ids),
        **kwargs,
    )


def test_spans_nest_under_the_turn_and_carry_attributes() -> None:
    turn = tracer()
    with turn.span(RETRIEVAL, edge__query="seal leak") as span:
        span.set(edge__hits=3)
    with turn.span(
        CHAT, gen_ai__request__model="smollm2", gen_ai__usage__output_tokens=12
    ):
        pass
    trace = turn.finish()
    root, retrieval, chat = trace.spans
    assert root.name == "invoke_agent" and root.parent_id is None
    assert retrieval.parent_id == root.span_id == chat.parent_id
    assert retrieval.attributes == {"edge.query": "seal leak", "edge.hits": 3}
    assert chat.attributes["gen_ai.usage.output_tokens"] == 12
    assert root.start_ns <= retrieval.start_ns < retrieval.end_ns <= root.end_ns


def test_an_error_marks_its_span_and_propagates() -> None:
    turn = tracer()
    with pytest.raises(RuntimeError), turn.span(POLICY):
        raise RuntimeError("bundle expired")
    policy = turn.finish().spans[1]
    assert policy.error == "RuntimeError: bundle expired"


def test_redacted_fields_never_reach_the_trace() -> None:
    turn = tracer(redact=["customer_phone", "message"])
    args = turn.redacted(
        {"job_id": "J-1", "message": "call me", "nested": {"customer_phone": "1"}}
    )
    assert args == {
        "job_id": "J-1",
        "message": REDACTED,
        "nested": {"customer_phone": REDACTED},
    }
    with turn.span("execute_tool", edge__args__message="secret text"):
        pass
    assert turn.finish().spans[1].attributes["edge.args.message"] == REDACTED


def test_traces_round_trip_through_json() -> None:
    turn = tracer()
    with turn.span(RETRIEVAL, edge__hits=1):
        pass
    trace = turn.finish()
    assert Trace.from_dict(trace.as_dict()) == trace


def test_otlp_export_has_the_protocol_shape() -> None:
    turn = tracer()
    with turn.span(
        CHAT, gen_ai__usage__input_tokens=30, edge__ok=True, edge__score=0.5
    ):
        pass
    trace = turn.finish().as_dict()
    document = otlp_document([({}, [trace])], service_version="0.1.0")
    (resource,) = document["resourceSpans"]
    spans = resource["scopeSpans"][0]["spans"]
    assert {s["name"] for s in spans} == {"invoke_agent", "chat"}
    chat = next(s for s in spans if s["name"] == "chat")
    assert len(chat["traceId"]) == 32 and len(chat["spanId"]) == 16
    assert chat["parentSpanId"]
    assert chat["kind"] == 3
    values = {a["key"]: a["value"] for a in chat["attributes"]}
    assert values["gen_ai.usage.input_tokens"] == {"intValue": "30"}
    assert values["edge.ok"] == {"boolValue": True}
    assert values["edge.score"] == {"doubleValue": 0.5}
    assert chat["startTimeUnixNano"].isdigit()


def test_annotate_sets_what_the_turn_came_to_on_its_root_span() -> None:
    turn = tracer()
    with turn.span(RETRIEVAL, edge__query="seal leak"):
        pass
    turn.annotate(edge__answer__route="not_found", edge__skipped=None)
    root, retrieval = turn.finish().spans
    assert root.attributes["edge.answer.route"] == "not_found"
    assert "edge.skipped" not in root.attributes
    assert "edge.answer.route" not in retrieval.attributes
