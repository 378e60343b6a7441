"""The app's log file under ``<home>/logs``: tracebacks go there, never to the user."""

from __future__ import annotations

import logging
from pathlib import Path

LOG_FILE_NAME = "edge-agent.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(logs_dir: Path) -> Path:
    """Send the app's log records to a file in ``logs_dir``; return its path."""
    path = logs_dir / LOG_FILE_NAME
    logger = logging.getLogger("edge_agent")
    if not any(
        isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path
        for h in logger.handlers
    ):
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return path


def log_file_hint() -> str:
    """A sentence telling the user where the details are, if a log file is set."""
    for handler in logging.getLogger("edge_agent").handlers:
        if isinstance(handler, logging.FileHandler):
            return f"Details are in {handler.baseFilename}."
    return ""
