"""The assigned jobs and assets from the last sync."""

from __future__ import annotations

from edge_agent.config import EdgeSettings
from edge_agent.jobs import JobBook, read_job_book


def job_book(settings: EdgeSettings) -> JobBook:
    """The cached job list, empty before the first sync.

    Raises:
        JobsUnreadable: the file is damaged; the next sync replaces it.
    """
    return read_job_book(settings.layout.jobs_file)
