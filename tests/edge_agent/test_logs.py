"""The app's log file: set once per home, and never a failure of its own."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from edge_agent.logs import configure_logging, forget_log_file, log_file_hint


def test_records_reach_the_file_and_the_hint_names_it(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    path = configure_logging(tmp_path / "logs" / "edge-agent.log")
    try:
        logging.getLogger("edge_agent.test").warning("pump E-42 tripped")
        assert "pump E-42 tripped" in path.read_text(encoding="utf-8")
        assert str(path) in log_file_hint()
    finally:
        forget_log_file()
    assert log_file_hint() == ""


def test_a_log_folder_removed_meanwhile_breaks_no_caller(tmp_path: Path) -> None:
    """A record that cannot be written is dropped; the code that logged goes on
    (once, a service answered 500 because its log file's folder was gone)."""
    folder = tmp_path / "logs"
    folder.mkdir()
    configure_logging(folder / "edge-agent.log")
    shutil.rmtree(folder)
    raising = logging.raiseExceptions
    logging.raiseExceptions = False  # as in production: no report on stderr
    try:
        logging.getLogger("sync.server").error("refused a request")
    finally:
        logging.raiseExceptions = raising
        forget_log_file()
    assert not folder.exists()
