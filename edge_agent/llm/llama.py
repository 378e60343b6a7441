"""The llama.cpp implementation of ``ChatModel`` (the only module importing it)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from llama_cpp import (
    Llama,
    LogitsProcessorList,
    ggml_abort_callback,
    llama_set_abort_callback,
)
from llama_cpp.llama_grammar import LlamaGrammar

from edge_agent.errors import ModelUnavailable
from edge_agent.llm.base import ChatMessage, Completion, GenerationLimits

GGUF_MAGIC = b"GGUF"
DEFAULT_CONTEXT_TOKENS = 2048
DEFAULT_SEED = 1234


def check_model_file(path: Path) -> None:
    """Refuse a path that is not a readable GGUF file, saying what to do.

    Raises:
        ModelUnavailable: missing, unreadable or not GGUF.
    """
    hint = "Set model_path (or --model) to a GGUF file, or unset it for the default."
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except FileNotFoundError:
        raise ModelUnavailable(f"Model file {path} does not exist. {hint}") from None
    except OSError as exc:
        raise ModelUnavailable(
            f"Model file {path} cannot be read ({exc.strerror}). {hint}"
        ) from exc
    if magic != GGUF_MAGIC:
        raise ModelUnavailable(f"{path} is not a GGUF model file. {hint}")


class LlamaModel:
    """A GGUF model run by llama.cpp on the CPU, greedy and seeded.

    The chat template comes from the model file. llama.cpp keeps the evaluated
    tokens, so a prompt that starts with the same system prefix as the
    previous one only evaluates what follows it.

    A stream's cancel switch reaches into llama.cpp: its abort callback is
    asked between the steps of every evaluation, so a cancel stops even the
    reading of a long prompt (seconds on a small CPU) at once, not after it.
    """

    def __init__(
        self,
        path: Path,
        *,
        context_tokens: int = DEFAULT_CONTEXT_TOKENS,
        threads: int | None = None,
        seed: int = DEFAULT_SEED,
    ) -> None:
        check_model_file(path)
        self._path = path
        self._seed = seed
        self._lock = threading.Lock()
        try:
            self._llama = Llama(
                model_path=str(path),
                n_ctx=context_tokens,
                n_threads=threads or max(1, os.cpu_count() or 1),
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailable(
                f"llama.cpp could not load {path} ({exc}). The file may be damaged "
                "or of an unsupported architecture; try another GGUF."
            ) from exc
        name = self._llama.metadata.get("general.name", "")
        self._model_id = f"{path.name}" + (f" ({name})" if name else "")
        self._cancel: threading.Event | None = None
        # Kept on the instance: llama.cpp holds a pointer to it.
        self._abort = ggml_abort_callback(self._should_abort)
        llama_set_abort_callback(self._llama.ctx, self._abort, None)

    def _should_abort(self, _data: object) -> bool:
        """Called by llama.cpp during evaluation: stop when the stream running
        now is cancelled."""
        cancel = self._cancel
        return cancel is not None and cancel.is_set()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def context_tokens(self) -> int:
        return int(self._llama.n_ctx())

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False))

    def stream(
        self,
        messages: Sequence[ChatMessage],
        limits: GenerationLimits,
        completion: Completion,
        *,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        """Stream the reply; stop at the token or time limit or on cancel."""
        with self._lock:
            self._cancel = limits.cancel
            started = time.perf_counter()
            prompt: list[Any] = [
                {"role": m.role, "content": m.content} for m in messages
            ]
            recorder = (
                _LogprobRecorder(self._llama, completion) if json_schema else None
            )
            chunks: Iterator[Any] = self._llama.create_chat_completion(  # type: ignore[assignment]
                prompt,
                max_tokens=limits.max_tokens,
                temperature=0.0,
                seed=self._seed,
                stream=True,
                grammar=LlamaGrammar.from_json_schema(
                    json.dumps(json_schema), verbose=False
                )
                if json_schema
                else None,
                logits_processor=LogitsProcessorList([recorder]) if recorder else None,
            )
            try:
                yield from self._pieces(chunks, limits, completion, started)
            except RuntimeError:
                # llama.cpp reports an evaluation aborted by the cancel switch
                # as a failed decode.
                if not limits.cancel.is_set():
                    raise
                completion.stop_reason = "cancelled"
            finally:
                self._cancel = None
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
                completion.seconds = time.perf_counter() - started
                completion.prompt_tokens = max(
                    0, int(self._llama.n_tokens) - completion.completion_tokens
                )

    @staticmethod
    def _pieces(
        chunks: Iterator[Any],
        limits: GenerationLimits,
        completion: Completion,
        started: float,
    ) -> Iterator[str]:
        for chunk in chunks:
            choice = chunk["choices"][0]
            piece = choice["delta"].get("content")
            if piece:
                if completion.first_token_seconds is None:
                    completion.first_token_seconds = time.perf_counter() - started
                completion.completion_tokens += 1
                yield piece
            if choice.get("finish_reason") == "length":
                completion.stop_reason = "max_tokens"
            if limits.cancel.is_set():
                completion.stop_reason = "cancelled"
                return
            if time.perf_counter() - started > limits.max_seconds:
                completion.stop_reason = "max_seconds"
                return


class _LogprobRecorder:
    """A logits processor that records the log-probability of each chosen token.

    Called before each sampling step with the tokens so far, it pairs the
    previous step's distribution with the token that was then chosen. Scores
    are left unchanged.
    """

    def __init__(self, llama: Llama, completion: Completion) -> None:
        self._llama = llama
        self._completion = completion
        self._previous: Any = None
        self._start: int | None = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self._start is None:
            self._start = len(input_ids)
        elif self._previous is not None and len(input_ids) > self._start:
            token = int(input_ids[-1])
            text = self._llama.detokenize([token]).decode("utf-8", errors="replace")
            self._completion.token_logprobs.append((text, float(self._previous[token])))
        values = scores.astype(np.float64)
        top = values.max()
        self._previous = values - (top + np.log(np.exp(values - top).sum()))
        return scores
