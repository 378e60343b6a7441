"""The app's log file under ``<home>/logs``: tracebacks go there, never to the user."""

from __future__ import annotations

import logging
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "edge-agent-log-file"


def configure_logging(path: Path) -> Path:
    """Send every log record (the app's and its libraries') to the file at
    ``path``, so that warnings never land on the technician's terminal;
    return the file's path. Its folder must exist."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        if isinstance(old, logging.FileHandler) and Path(old.baseFilename) == path:
            return path
        root.removeHandler(old)  # another home: one log file per process
        old.close()
    handler = _LogFile(path, encoding="utf-8", delay=True)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    logging.getLogger("edge_agent").setLevel(logging.INFO)
    return path


class _LogFile(logging.FileHandler):
    """A log file that never breaks the code that logs: if the file cannot be
    opened or written (its folder removed meanwhile, a full disk), the record
    is dropped, as logging does with any other handler's failure."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            super().emit(record)
        except OSError:
            self.handleError(record)


def forget_log_file() -> None:
    """Stop writing to the log file set by :func:`configure_logging`, if any
    (for a process that runs the app's commands for more than one home)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()


def log_file_hint() -> str:
    """A sentence telling the user where the details are, if a log file is set."""
    for handler in logging.getLogger().handlers:
        if (
            isinstance(handler, logging.FileHandler)
            and handler.get_name() == _HANDLER_NAME
        ):
            return f"Details are in {handler.baseFilename}."
    return ""
