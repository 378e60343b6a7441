"""Loads the model once per process, in the background, with a visible state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from edge_agent.errors import EdgeAgentError, ModelNotReleased, ModelUnavailable
from edge_agent.llm.base import ChatModel
from edge_agent.llm.default_model import default_model_path
from edge_agent.llm.model_file import ModelIdentity


class ModelState(StrEnum):
    """Where the model stands; the UI shows it."""

    NOT_STARTED = "not started"
    LOADING = "loading"
    READY = "ready"
    UNAVAILABLE = "unavailable"


ModelFactory = Callable[[Path], ChatModel]
ModelCheck = Callable[[Path], ModelIdentity]
"""Says which file a path holds before it is loaded (its name and hash), or
refuses it with :class:`ModelNotReleased` (or :class:`ModelUnavailable`)."""


def load_llama(path: Path) -> ChatModel:
    """Load a GGUF with llama.cpp (imported here, only when a model is needed)."""
    from edge_agent.llm.llama import LlamaModel

    return LlamaModel(path)


CANCEL_POLL_SECONDS = 0.1
"""How often a wait for the model looks at its cancel switch."""


class ModelLoader:
    """Loads a model on a background thread; lookups work while it loads.

    llama.cpp's quiet mode points the process's stdout and stderr at
    /dev/null while a model loads, so nothing should print to them until
    :meth:`wait` returns (a full-screen UI draws after the state changes).

    Args:
        path: a GGUF file, or ``None`` for the default model.
        factory: builds the model from a path (tests pass a scripted one).
        check: runs first, on the loading thread: the file's identity, or
            why it may not be loaded (see
            :func:`edge_agent.depot.model_gate.model_loader`); ``None``
            loads any file and knows no identity.
    """

    def __init__(
        self,
        path: Path | None = None,
        factory: ModelFactory = load_llama,
        *,
        check: ModelCheck | None = None,
    ):
        self._path = path
        self._factory = factory
        self._check = check
        self._state = ModelState.NOT_STARTED
        self._model: ChatModel | None = None
        self._error: EdgeAgentError | None = None
        self._identity: ModelIdentity | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()

    @property
    def state(self) -> ModelState:
        return self._state

    @property
    def error(self) -> EdgeAgentError | None:
        """Why the model is unavailable, once loading failed."""
        return self._error

    @property
    def identity(self) -> ModelIdentity | None:
        """The file's name and SHA-256 once checked (loaded or refused)."""
        return self._identity

    def start(self) -> ModelLoader:
        """Begin loading in the background (once); return self."""
        with self._lock:
            if self._state is ModelState.NOT_STARTED:
                self._state = ModelState.LOADING
                threading.Thread(
                    target=self._load, name="model-loader", daemon=True
                ).start()
        return self

    def wait(
        self, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> ChatModel | None:
        """The model once loaded, or ``None`` if unavailable or still loading
        when ``timeout`` runs out or ``cancel`` is set."""
        self.start()
        if cancel is None:
            self._done.wait(timeout)
            return self._model
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done.wait(CANCEL_POLL_SECONDS):
            if cancel.is_set() or (
                deadline is not None and time.monotonic() > deadline
            ):
                return None
        return self._model

    def _load(self) -> None:
        try:
            path = self._path or default_model_path()
            if self._check is not None:
                self._identity = self._check(path)
            self._model = self._factory(path)
            self._state = ModelState.READY
        except ModelNotReleased as exc:
            self._identity = ModelIdentity(exc.file_name, exc.sha256)
            self._error = exc
            self._state = ModelState.UNAVAILABLE
        except ModelUnavailable as exc:
            self._error = exc
            self._state = ModelState.UNAVAILABLE
        except (OSError, RuntimeError, ValueError, MemoryError) as exc:
            self._error = ModelUnavailable(f"The model could not be loaded ({exc}).")
            self._state = ModelState.UNAVAILABLE
        finally:
            self._done.set()
