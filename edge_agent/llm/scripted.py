"""``ScriptedModel``: canned replies and a record of prompts, for tests and demos."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from edge_agent.llm.base import ChatMessage, Completion, GenerationLimits


class ScriptedModel:
    """Streams queued replies word by word and records every prompt it gets."""

    def __init__(
        self,
        replies: Iterable[str] = (),
        model_id: str = "scripted",
        *,
        token_logprob: float | None = None,
    ) -> None:
        """``token_logprob``, when given, is reported for every piece it
        writes (0.0: sure of each); without it the model reports none, as a
        runtime without log-probabilities does."""
        self._replies = list(replies)
        self._model_id = model_id
        self._token_logprob = token_logprob
        self.prompts: list[tuple[ChatMessage, ...]] = []
        self.schemas: list[Mapping[str, Any] | None] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    def add_reply(self, reply: str) -> None:
        self._replies.append(reply)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(
        self,
        messages: Sequence[ChatMessage],
        limits: GenerationLimits,
        completion: Completion,
        *,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        self.prompts.append(tuple(messages))
        self.schemas.append(json_schema)
        reply = self._replies.pop(0) if self._replies else ""
        started = time.perf_counter()
        completion.prompt_tokens = sum(self.count_tokens(m.content) for m in messages)
        for index, word in enumerate(reply.split(" ")):
            if limits.cancel.is_set():
                completion.stop_reason = "cancelled"
                break
            if index >= limits.max_tokens:
                completion.stop_reason = "max_tokens"
                break
            if completion.first_token_seconds is None:
                completion.first_token_seconds = time.perf_counter() - started
            completion.completion_tokens += 1
            piece = word if index == 0 else f" {word}"
            if self._token_logprob is not None:
                completion.token_logprobs.append((piece, self._token_logprob))
            yield piece
        completion.seconds = time.perf_counter() - started
