"""Messages of the terminal app: what workers report back to the UI thread.

Workers post them (``post_message`` is safe from any thread) to the screen or
the app that handles them; none bubbles. Tests can watch them with a
``message_hook``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from edge_agent.answer.values import Answer, AnswerEvent

if TYPE_CHECKING:
    from collections.abc import Mapping

    from PIL.Image import Image

    from edge_agent.ocr import OcrResult
    from sync import Progress, QueuedAction


class AnswerStreamed(Message, bubble=False):
    """A fact, a checked sentence, a notice or progress of one turn."""

    def __init__(self, turn: int, event: AnswerEvent) -> None:
        super().__init__()
        self.turn = turn
        self.event = event


class AnswerFinished(Message, bubble=False):
    """One turn's answer, complete, and the id of its trace."""

    def __init__(self, turn: int, answer: Answer, trace_id: str | None = None) -> None:
        super().__init__()
        self.turn = turn
        self.answer = answer
        self.trace_id = trace_id


class ActionRecorded(Message, bubble=False):
    """An action was written to the outbox (queued, denied, kept or cancelled)."""

    def __init__(self, action: QueuedAction) -> None:
        super().__init__()
        self.action = action


class PhotoRead(Message, bubble=False):
    """A photo was read and its codes looked up (or one was corrected).

    ``typed`` is the path as typed for a new reading, ``None`` for a
    correction. ``crops`` holds the crop of each code to check, by index;
    ``None`` (a correction) keeps the crops shown.
    """

    def __init__(
        self,
        result: OcrResult,
        typed: str | None = None,
        crops: Mapping[int, Image] | None = None,
    ) -> None:
        super().__init__()
        self.result = result
        self.typed = typed
        self.crops = crops


class SyncProgressed(Message, bubble=False):
    """One step of a running sync."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class SyncFinished(Message, bubble=False):
    """A sync ended; ``summary`` is what ``edge-agent sync --json`` prints."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__()
        self.summary = summary


class ModelSettled(Message, bubble=False):
    """The model finished loading, or failed to (``detail`` says why)."""

    def __init__(self, ready: bool, detail: str = "") -> None:
        super().__init__()
        self.ready = ready
        self.detail = detail


class WorkerFailed(Message, bubble=False):
    """A worker raised; the app shows the error (see ``FieldApp.show_error``)."""

    def __init__(self, error: BaseException, attention: bool = False) -> None:
        super().__init__()
        self.error = error
        self.attention = attention
