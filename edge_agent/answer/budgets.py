"""The budgets an answer works within: the settings, capped by the policy."""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.config import EdgeSettings
from policies import Budgets


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """Budgets for answers (the policy may lower them)."""

    max_tokens: int = 160
    max_seconds: float = 20.0
    context_tokens: int = 2048
    prompt_tokens: int = 480
    """Budget for the prompt: a short prompt keeps the first token fast."""
    explain_answers: bool = True
    """Whether the model explains answers found by search (the app's setting
    is off by default; answering code here explains when asked)."""
    explain_codes: bool = False
    model_wait_seconds: float | None = None


def answer_settings(settings: EdgeSettings, budgets: Budgets | None) -> AnswerSettings:
    """The answer budgets: the settings, capped by the policy's budgets."""
    max_tokens = settings.answer_max_tokens
    max_seconds = settings.answer_max_seconds
    if budgets is not None:
        max_tokens = min(max_tokens, budgets.answer_max_tokens)
        max_seconds = min(max_seconds, budgets.answer_timeout_ms / 1000)
    return AnswerSettings(
        max_tokens=max_tokens,
        max_seconds=max_seconds,
        context_tokens=settings.model_context_tokens,
        explain_answers=settings.explain_answers,
        explain_codes=settings.explain_answers and settings.explain_codes,
    )
