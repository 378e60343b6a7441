"""The status bar's pieces, from a snapshot of the device's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from edge_agent.tui.status import StatusSnapshot, fit_pieces, status_pieces

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


def shown(pieces) -> list[tuple[str, str]]:
    return [(p.text, p.tone) for p in pieces if p.text.startswith(("jobs", "KB"))]


def test_fresh_data_shows_its_age_plainly() -> None:
    pieces = status_pieces(
        aged("2026-12-07T08:00:00Z", "2026-12-06T08:00:00Z"), "model off", NOW
    )
    assert shown(pieces) == [("jobs 1h", "plain"), ("KB 1d", "plain")]


def test_data_never_received_is_of_unknown_age_in_amber() -> None:
    pieces = status_pieces(aged("", ""), "model off", NOW)
    assert shown(pieces) == [("jobs ?", "warning"), ("KB ?", "warning")]
    assert "never synced" in [p.text for p in pieces]


def test_the_line_keeps_to_80_columns_with_every_usual_piece() -> None:
    busy = replace(
        aged("2026-12-05T09:00:00Z", "2026-11-29T09:00:00Z", "2026-12-05T09:00:00Z"),
        queued=12,
        online=False,
    )
    line = " │ ".join(p.text for p in status_pieces(busy, "model loading", NOW))
    assert line == (
        "offline │ 12 queued │ synced 2d │ jobs 2d │ KB 2d │ policy v2 │ model loading"
    )
    assert len(line) <= 80


def test_a_line_too_long_drops_the_sync_age_first_then_a_plain_model_state() -> None:
    ending = replace(
        aged("2026-11-30T09:00:00Z", "2026-11-01T09:00:00Z", "2026-11-30T09:00:00Z"),
        queued=12,
        online=False,
        policy_expires="2026-12-10T00:00:00Z",
    )

    def fitted(model: str, width: int = 80) -> str:
        pieces = fit_pieces(status_pieces(ending, model, NOW), width)
        return " │ ".join(p.text for p in pieces)

    assert fitted("model loading") == (
        "offline │ 12 queued │ jobs 7d │ KB 7d │ policy v2 ends 12-10 │ model loading"
    )
    assert fitted("model off", 70) == (
        "offline │ 12 queued │ jobs 7d │ KB 7d │ policy v2 ends 12-10"
    )
    # Wide enough, nothing goes.
    assert "synced 7d" in fitted("model loading", 120)


def test_the_job_book_and_kb_turn_amber_then_red_with_their_age() -> None:
    # Job book 3 days old (amber past 48 h), KB 12 days old (red past 7 days).
    pieces = status_pieces(
        aged("2026-12-04T09:00:00Z", "2026-11-25T09:00:00Z"), "model off", NOW
    )
    assert shown(pieces) == [("jobs 3d", "warning"), ("KB 12d", "error")]


def test_the_ages_count_from_the_last_sync_that_confirmed_the_data() -> None:
    pieces = status_pieces(
        aged("2026-11-25T09:00:00Z", "2026-11-25T09:00:00Z", "2026-12-07T08:00:00Z"),
        "model off",
        NOW,
    )
    assert shown(pieces) == [("jobs 1h", "plain"), ("KB 1h", "plain")]


def test_the_limits_come_from_the_settings() -> None:
    strict = replace(
        aged("2026-12-07T03:00:00Z", "2026-12-07T08:00:00Z"),
        data_age_limits=(3600.0, 5 * 3600.0),
    )
    pieces = status_pieces(strict, "model off", NOW)
    assert shown(pieces)[0] == ("jobs 6h", "error")


def test_the_policy_shows_its_expiry_only_in_its_last_two_weeks() -> None:
    far = status_pieces(snapshot(), "model off", NOW)
    assert ("policy v2", "plain") in [(p.text, p.tone) for p in far]
    near = status_pieces(
        snapshot(policy_expires="2026-12-20T00:00:00Z"), "model off", NOW
    )
    assert ("policy v2 ends 12-20", "warning") in [(p.text, p.tone) for p in near]
