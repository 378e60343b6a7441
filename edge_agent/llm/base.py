"""The ``ChatModel`` protocol that the agent talks to, and its values."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a chat prompt."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class GenerationLimits:
    """Hard limits for one answer: tokens, wall time, and a cancel switch."""

    max_tokens: int = 160
    max_seconds: float = 20.0
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(slots=True)
class Completion:
    """What a streamed completion produced; filled in while it streams."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_seconds: float | None = None
    seconds: float = 0.0
    stop_reason: Literal["end", "max_tokens", "max_seconds", "cancelled"] = "end"
    token_logprobs: list[tuple[str, float]] = field(default_factory=list)
    """For constrained (JSON) output: each token's text and the log-probability
    the unconstrained model gave it, a measure of the model's confidence."""


class ChatModel(Protocol):
    """A chat model that streams text pieces."""

    @property
    def model_id(self) -> str: ...

    def count_tokens(self, text: str) -> int:
        """How many tokens ``text`` takes in this model's vocabulary."""
        ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        limits: GenerationLimits,
        completion: Completion,
        *,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        """Yield text pieces; record counts, timings and the stop reason.

        With ``json_schema``, the output is constrained to JSON matching it.
        """
        ...
