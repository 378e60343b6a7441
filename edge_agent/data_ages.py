"""How old this device's data is now: the job book, the KB and the last sync,
with the tone the settings give each (amber past ``data_age_amber``, red past
``data_age_red``), for ``edge-agent policy show``."""

from __future__ import annotations

from typing import Any

from edge_agent.act.data_age import DataSources, describe_freshness, freshness_record
from edge_agent.clock import Clock, utc_now
from edge_agent.config import EdgeSettings
from edge_agent.errors import KnowledgeDamaged
from edge_agent.jobs import EMPTY
from edge_agent.session import Session
from knowledge_cache import CacheUnavailable

TONES = {"plain": "", "warning": "amber", "error": "RED"}


def data_ages(settings: EdgeSettings, clock: Clock = utc_now) -> dict[str, Any]:
    """Each input's version, arrival, age in seconds and tone (``plain``,
    ``warning``, ``error``), and the lines that say it in words."""
    with Session(settings) as opened:
        try:
            sources = opened.data_sources()
        except (KnowledgeDamaged, CacheUnavailable):
            # The KB cannot be read: its age is unknown, the rest is not.
            state = Session.sync_state(settings)
            sources = DataSources(
                last_sync_at=state.last_sync_at,
                job_book_version=state.jobs_version,
                job_book_at=opened.jobs.received_at,
            )
    record = freshness_record(sources, now=clock(), job_id=None, jobs=EMPTY)
    limits = settings.data_age_limits
    ages = {
        name: {**record[name], "tone": age_tone(record[name]["age_s"], limits)}
        for name in ("job_book", "kb", "sync")
    }
    return {
        **ages,
        "lines": describe_freshness(record),
        "amber_after": settings.data_age_amber,
        "red_after": settings.data_age_red,
    }


def age_tone(age: float | None, limits: tuple[float, float]) -> str:
    """``plain``, ``warning`` past the first limit or when unknown, ``error``
    past the second."""
    amber, red = limits
    if age is None:
        return "warning"
    if age >= red:
        return "error"
    return "warning" if age >= amber else "plain"
