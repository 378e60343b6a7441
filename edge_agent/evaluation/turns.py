"""The field's own use cases, as the cases call them, and what a turn left.

Every case goes through the functions the command line and the terminal
app call: :func:`~edge_agent.answer.question_turn.answer_in_session`,
:func:`~edge_agent.act.request_turn.propose_in_session` and
:func:`~edge_agent.ocr.photo_turn.read_in_session`. :class:`FieldTurns` holds
them so a test can put a stand-in at one seam (a deliberately leaky answer,
say) and see the evaluation catch it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from edge_agent.act.request_turn import AgentProposal, propose_in_session
from edge_agent.answer.question_turn import answer_in_session
from edge_agent.answer.values import Answer
from edge_agent.errors import ProposalError
from edge_agent.llm import ChatModel, ModelLoader
from edge_agent.tracing import RETRIEVAL, TurnTracer

if TYPE_CHECKING:
    from edge_agent.ocr import OcrResult, PhotoReader
    from edge_agent.session import Session

RETRIEVED_ATTRIBUTE = "edge.chunk_ids"
"""The retrieval span's attribute listing the chunks found, best first."""


class AnswerTurn(Protocol):
    def __call__(
        self,
        session: Session,
        question: str,
        *,
        model: ModelLoader | None,
        job_id: str | None = None,
    ) -> Answer: ...


class ProposeTurn(Protocol):
    def __call__(
        self,
        session: Session,
        request: str,
        *,
        model: ChatModel | None,
        tracer: TurnTracer,
        job_id: str | None = None,
    ) -> AgentProposal: ...


class PhotoTurn(Protocol):
    def __call__(
        self, session: Session, reader: PhotoReader, path: Path
    ) -> OcrResult: ...


def _read_in_session(session: Session, reader: PhotoReader, path: Path) -> OcrResult:
    """The photo turn, imported on first use: the OCR stack is heavy."""
    from edge_agent.ocr import read_in_session

    return read_in_session(session, reader, path)


@dataclass(frozen=True, slots=True)
class FieldTurns:
    """The use cases the cases go through (the field's, unless a test says)."""

    answer: AnswerTurn = answer_in_session
    propose: ProposeTurn = propose_in_session
    read_photo: PhotoTurn = _read_in_session


def propose_as_the_field_does(
    turns: FieldTurns,
    session: Session,
    request: str,
    *,
    model: ModelLoader | None,
    job_id: str | None = None,
) -> AgentProposal:
    """Read ``request`` by rules; when they cannot make it a call and there
    is a model, ask again with the model, as both front ends do. Nothing is
    confirmed or queued: the technician has not said yes."""
    tracer = session.tracer("propose")
    try:
        result = turns.propose(
            session, request, model=None, tracer=tracer, job_id=job_id
        )
        loaded = model.wait() if model and result.model_could_help else None
        if loaded is not None:
            tracer = session.tracer("propose")
            result = turns.propose(
                session, request, model=loaded, tracer=tracer, job_id=job_id
            )
    except ProposalError as exc:
        result = AgentProposal(request, None, None, exc.message)
    session.outbox.save_trace(tracer.finish(result.problem).as_dict())
    return result


def last_retrieval(session: Session) -> list[str]:
    """The chunks the session's last saved turn retrieved, best first, as its
    trace recorded them (none for a turn that searched nothing)."""
    for trace in session.outbox.list_traces(limit=1):
        for span in trace.spans:
            if span.get("name") == RETRIEVAL:
                attributes = span.get("attributes") or {}
                listed = str(attributes.get(RETRIEVED_ATTRIBUTE, ""))
                return [chunk for chunk in listed.split(",") if chunk]
    return []
