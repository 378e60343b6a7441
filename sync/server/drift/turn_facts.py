"""What one turn's trace says, as the drift report counts it. Pure.

Traces are read as devices send them (``edge_agent.tracing``): the root span
``invoke_agent`` names the turn (``ask``, ``photo``, ``correction``,
``propose``...) and, from newer devices, the answer's route
(``edge.answer.route``); ``edge.retrieval`` holds the question
(``edge.query``), the codes found and the hits; ``chat`` spans hold the
tokens and how many of the model's sentences the checks kept or dropped;
``edge.ocr`` spans hold the codes read from a photo with their confidence;
``edge.policy.decision`` the policy version the device decided under.

A question turn's route is one of :data:`ROUTES`: ``explanation`` when the
model's text passed the checks (at least one sentence kept), else the
route the device recorded; a trace from an older device that names no route
is read from its retrieval span (codes found: a code lookup; no hits:
nothing found; else quotes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ROUTES = ("code_lookup", "quotes", "explanation", "not_found")
"""Code lookup, quotes from a search, the model's explanation, nothing found."""
_RECORDED = {
    "code_lookup": "code_lookup",
    "retrieval": "quotes",
    "not_found": "not_found",
}
REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class TurnFacts:
    """What the drift report takes from one trace.

    Attributes:
        kind: The turn's name (``ask``, ``photo``, ``correction``, ...).
        seconds: How long the turn took on the device.
        route: For a question turn, one of :data:`ROUTES`; else ``""``.
        question: The question asked (``""``: none, or redacted).
        sentences_kept: Model sentences the checks kept.
        sentences_dropped: Model sentences the checks dropped.
        tokens: Prompt and completion tokens of the turn's model calls.
        called_model: Whether the turn called the model.
        confidences: The confidence of each code read from a photo.
        policy_version: The policy version the device decided under (0: none).
        model_sha256: The SHA-256 of the model file used ("": none recorded).
    """

    kind: str
    seconds: float
    route: str = ""
    question: str = ""
    sentences_kept: int = 0
    sentences_dropped: int = 0
    tokens: int = 0
    called_model: bool = False
    confidences: tuple[float, ...] = ()
    policy_version: int = 0
    model_sha256: str = ""


def read_turn(
    name: str, start_ns: int, end_ns: int, spans: Sequence[Mapping[str, Any]]
) -> TurnFacts:
    """The facts of one trace; spans or attributes it lacks count as absent."""
    recorded_route = ""
    retrieval: Mapping[str, Any] | None = None
    kept = dropped = tokens = policy_version = 0
    called = False
    model_sha = ""
    confidences: list[float] = []
    for span in spans:
        attributes = span.get("attributes") or {}
        if not isinstance(attributes, Mapping):
            continue
        kind = span.get("name")
        if kind == "invoke_agent":
            recorded_route = str(attributes.get("edge.answer.route", ""))
        elif kind == "edge.retrieval":
            retrieval = attributes
        elif kind == "chat":
            called = True
            kept += _whole(attributes.get("edge.sentences_kept"))
            dropped += _whole(attributes.get("edge.sentences_dropped"))
            tokens += _whole(attributes.get("gen_ai.usage.input_tokens"))
            tokens += _whole(attributes.get("gen_ai.usage.output_tokens"))
            model_sha = str(attributes.get("edge.model.sha256", model_sha))
        elif kind == "edge.ocr" and name == "photo":
            confidences.extend(_read_confidences(attributes.get("edge.ocr.read")))
        elif kind == "edge.policy.decision":
            policy_version = _whole(attributes.get("edge.policy.version"))
    route = ""
    question = ""
    if name == "ask":
        route = _route(recorded_route, retrieval, kept)
        asked = str((retrieval or {}).get("edge.query", ""))
        question = "" if asked == REDACTED else asked.strip()
    return TurnFacts(
        kind=name,
        seconds=max(end_ns - start_ns, 0) / 1e9,
        route=route,
        question=question,
        sentences_kept=kept,
        sentences_dropped=dropped,
        tokens=tokens,
        called_model=called,
        confidences=tuple(confidences),
        policy_version=policy_version,
        model_sha256=model_sha,
    )


def _route(recorded: str, retrieval: Mapping[str, Any] | None, kept: int) -> str:
    route = _RECORDED.get(recorded)
    if route is None:
        route = _inferred(retrieval)
    if route != "not_found" and kept > 0:
        return "explanation"
    return route


def _inferred(retrieval: Mapping[str, Any] | None) -> str:
    if retrieval is None:
        return "not_found"
    if _whole(retrieval.get("edge.codes_found")) > 0:
        return "code_lookup"
    return "quotes" if _whole(retrieval.get("edge.hits")) > 0 else "not_found"


def _read_confidences(text: object) -> list[float]:
    """``kind value confidence known|unknown`` per code, ``; `` between."""
    if not isinstance(text, str):
        return []
    found = []
    for item in text.split(";"):
        parts = item.split()
        if len(parts) >= 3:
            try:
                found.append(min(max(float(parts[-2]), 0.0), 1.0))
            except ValueError:
                continue
    return found


def _whole(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return max(int(value), 0)
    return 0
