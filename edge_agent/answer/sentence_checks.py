"""The model's text checked sentence by sentence as it streams: each sentence
shown or dropped as soon as it is complete, and a model caught in a loop
stopped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from edge_agent.answer.answer_turn import EventSink
from edge_agent.answer.grounding import (
    GroundingContext,
    SentenceVerdict,
    check_sentence,
    split_sentences,
)
from edge_agent.answer.values import AnswerEvent

LOOP_LIMIT = 2
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n+")


def checked_sentences(
    pieces: Iterator[str], context: GroundingContext, on_event: EventSink
) -> Iterator[SentenceVerdict]:
    """Check the model's text sentence by sentence as it streams.

    A model caught in a loop (``LOOP_LIMIT`` repeated sentences in a row) is
    stopped: closing the stream ends generation.
    """
    buffer = ""
    kept: list[str] = []
    repeats = 0
    for piece in pieces:
        buffer += piece
        *complete, buffer = _split_keep_tail(buffer)
        for sentence in complete:
            verdict = _emit(check_sentence(sentence, context, kept), kept, on_event)
            yield verdict
            repeats = repeats + 1 if _is_repeat(verdict) else 0
            if repeats >= LOOP_LIMIT:
                return
    for sentence in split_sentences(buffer):
        verdict = check_sentence(sentence, context, kept)
        if not sentence.rstrip().endswith((".", "!", "?", "]")):
            verdict = replace(verdict, problems=(*verdict.problems, "unfinished"))
        yield _emit(verdict, kept, on_event)


def _is_repeat(verdict: SentenceVerdict) -> bool:
    return any(problem.startswith("repeats") for problem in verdict.problems)


def _split_keep_tail(buffer: str) -> list[str]:
    """Complete sentences of ``buffer`` followed by the unfinished rest."""
    boundaries = list(_SENTENCE_BOUNDARY.finditer(buffer))
    if not boundaries:
        return [buffer]
    cut = boundaries[-1].end()
    return [*split_sentences(buffer[:cut]), buffer[cut:]]


def _emit(
    verdict: SentenceVerdict, kept: list[str], on_event: EventSink
) -> SentenceVerdict:
    if verdict.supported:
        kept.append(verdict.sentence)
        on_event(AnswerEvent("model_sentence", verdict.sentence))
    elif not verdict.redundant:  # a sentence that adds nothing goes quietly
        on_event(AnswerEvent("dropped", verdict.sentence))
    return verdict
