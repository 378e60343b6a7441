"""The status bar's pieces, from a snapshot of the device's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from edge_agent.tui.status import StatusSnapshot, status_pieces

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def snapshot(**changes: object) -> StatusSnapshot:
    fields: dict[str, object] = {
        "online": True,
        "enrolled": True,
        "server_url": "https://centre.example",
        "queued": 0,
        "last_sync_at": "2026-12-07T08:00:00+00:00",
        "policy_version": 2,
        "policy_expires": "2027-01-01T00:00:00Z",
        "read_only": None,
        "kb_name": "Fleet",
        "kb_version": 3,
        "kb_documents": 9,
    }
    fields.update(changes)
    return StatusSnapshot(**fields)  # type: ignore[arg-type]


def test_an_update_the_last_sync_refused_stands_out() -> None:
    pieces = status_pieces(
        snapshot(refused=("Policy bundle refused",)), "model off", NOW
    )
    refused = [p for p in pieces if "REFUSED" in p.text]
    assert [(p.text, p.tone) for p in refused] == [("1 update(s) REFUSED", "error")]


def test_no_refusal_no_piece() -> None:
    pieces = status_pieces(snapshot(), "model off", NOW)
    assert not any("REFUSED" in p.text for p in pieces)


def aged(job_book_at: str, kb_at: str, last_sync_at: str | None = None):
    from edge_agent.act.data_age import DataSources

    return snapshot(
        last_sync_at=last_sync_at,
        data=DataSources(
            last_sync_at=last_sync_at,
            job_book_version=7,
            job_book_at=job_book_at,
            kb_version=3,
            kb_at=kb_at,
        ),
    )


def test_fresh_data_needs_no_more_than_synced() -> None:
    pieces = status_pieces(
        aged("2026-12-07T08:00:00Z", "2026-12-06T08:00:00Z"), "model off", NOW
    )
    assert not any(p.text.startswith(("jobs", "KB")) for p in pieces)


def test_the_job_book_and_kb_turn_amber_then_red_with_their_age() -> None:
    # Job book 3 days old (amber past 48 h), KB 12 days old (red past 7 days).
    pieces = status_pieces(
        aged("2026-12-04T09:00:00Z", "2026-11-25T09:00:00Z"), "model off", NOW
    )
    shown = [(p.text, p.tone) for p in pieces if p.text.startswith(("jobs", "KB"))]
    assert shown == [("jobs 3 d old", "warning"), ("KB v3 12 d old", "error")]


def test_the_ages_count_from_the_last_sync_that_confirmed_the_data() -> None:
    pieces = status_pieces(
        aged("2026-11-25T09:00:00Z", "2026-11-25T09:00:00Z", "2026-12-07T08:00:00Z"),
        "model off",
        NOW,
    )
    assert not any(p.text.startswith(("jobs", "KB")) for p in pieces)


def test_the_limits_come_from_the_settings() -> None:
    strict = replace(
        aged("2026-12-07T03:00:00Z", "2026-12-07T08:00:00Z"),
        data_age_limits=(3600.0, 5 * 3600.0),
    )
    pieces = status_pieces(strict, "model off", NOW)
    assert [(p.text, p.tone) for p in pieces if p.text.startswith("jobs")] == [
        ("jobs 6 h old", "error")
    ]
