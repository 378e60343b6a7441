"""A turn's answer or action card as JSON, versioned by a ``format`` number.

Only what the chat needs to draw a turn again and open its sources is kept:
the route, the notices, the quoted facts with their chunks, the model
sentences that were shown, how many were dropped (never their text), the
citations with their documents and sections, the codes not in the knowledge
base with the listed codes close to them, and an action card's call, decision
and outcome. Timings, token counts and dropped sentences stay in the turn's
trace.

Each row says which format wrote it. A reader decodes every format it knows;
a row of a newer format (or one that does not decode) becomes an
``unreadable`` turn that still shows what was asked.
"""

from __future__ import annotations

from typing import Any

from edge_agent.answer.values import (
    AbsentCode,
    Answer,
    Citation,
    Fact,
    Route,
    Unsupported,
)
from edge_agent.conversations.values import ActionOutcome, Turn

FORMAT = 1
"""The format this version writes (and the newest it reads)."""

DROPPED = Unsupported("", ("dropped by the grounding check; not kept",))
"""Stands for each model sentence that was dropped: only their number is kept."""


class UndecodableTurn(ValueError):
    """A kept turn this version cannot read: a newer format, or damaged."""


def turn_body(turn: Turn) -> dict[str, Any]:
    """What is kept of ``turn`` beside its columns, as JSON."""
    body: dict[str, Any] = {}
    if turn.answer is not None:
        body["answer"] = answer_record(turn.answer)
    if turn.failure:
        body["failure"] = turn.failure
    if turn.action is not None:
        body["action"] = action_record(turn.action)
    return body


def body_parts(
    fmt: int, body: dict[str, Any]
) -> tuple[Answer | None, str, ActionOutcome | None]:
    """The answer, failure and action card kept in a row of format ``fmt``.

    Raises:
        UndecodableTurn: a newer format than this version knows, or a body
            that does not hold what its format says.
    """
    if fmt != FORMAT:
        raise UndecodableTurn(
            f"kept by a newer version of the app (format {fmt}); update the "
            "app to read it"
        )
    try:
        answer = body.get("answer")
        action = body.get("action")
        return (
            None if answer is None else answer_from_record(answer),
            str(body.get("failure", "")),
            None if action is None else action_from_record(action),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UndecodableTurn(f"its kept answer is damaged ({exc!r})") from exc


# --- answers ---------------------------------------------------------------------


def answer_record(answer: Answer) -> dict[str, Any]:
    """The answer as the chat showed it (see the module's docstring)."""
    return {
        "question": answer.question,
        "route": answer.route.value,
        "notices": list(answer.notices),
        "facts": [_fact(fact) for fact in answer.facts],
        "model_sentences": [] if answer.extractive else list(answer.model_sentences),
        "dropped": len(answer.unsupported),
        "extractive": answer.extractive,
        "citations": [_citation(c) for c in answer.citations],
        "closest": [_citation(c) for c in answer.closest],
        "absent": [
            {
                "code": absent.code,
                "typed": absent.typed,
                "closest": [_fact(fact) for fact in absent.closest],
            }
            for absent in answer.absent
        ],
    }


def answer_from_record(record: dict[str, Any]) -> Answer:
    """The answer back from :func:`answer_record` (each dropped sentence
    stands as :data:`DROPPED`)."""
    return Answer(
        question=str(record["question"]),
        route=Route(record["route"]),
        notices=tuple(str(notice) for notice in record["notices"]),
        facts=tuple(_fact_from(fact) for fact in record["facts"]),
        model_sentences=tuple(str(s) for s in record["model_sentences"]),
        unsupported=(DROPPED,) * int(record["dropped"]),
        extractive=bool(record["extractive"]),
        citations=tuple(_citation_from(c) for c in record["citations"]),
        closest=tuple(_citation_from(c) for c in record["closest"]),
        absent=tuple(
            AbsentCode(
                code=str(absent["code"]),
                typed=str(absent["typed"]),
                closest=tuple(_fact_from(fact) for fact in absent["closest"]),
            )
            for absent in record["absent"]
        ),
    )


def _fact(fact: Fact) -> dict[str, str]:
    return {"text": fact.text, "chunk_id": fact.chunk_id}


def _fact_from(record: dict[str, Any]) -> Fact:
    return Fact(text=str(record["text"]), chunk_id=str(record["chunk_id"]))


def _citation(citation: Citation) -> dict[str, Any]:
    return {
        "chunk_id": citation.chunk_id,
        "document": citation.document,
        "section": citation.section,
        "page": citation.page,
    }


def _citation_from(record: dict[str, Any]) -> Citation:
    page = record.get("page")
    return Citation(
        chunk_id=str(record["chunk_id"]),
        document=str(record["document"]),
        section=str(record["section"]),
        page=None if page is None else int(page),
    )


# --- action cards ------------------------------------------------------------------


def action_record(action: ActionOutcome) -> dict[str, Any]:
    return {
        "tool": action.tool,
        "decision": action.decision,
        "shown": action.shown,
        "outcome": action.outcome,
        "tone": action.tone,
        "action_seq": action.action_seq,
        "action_state": action.action_state,
    }


def action_from_record(record: dict[str, Any]) -> ActionOutcome:
    seq = record.get("action_seq")
    return ActionOutcome(
        tool=str(record["tool"]),
        decision=str(record["decision"]),
        shown=str(record["shown"]),
        outcome=str(record["outcome"]),
        tone=str(record["tone"]),
        action_seq=None if seq is None else int(seq),
        action_state=str(record["action_state"]),
    )
