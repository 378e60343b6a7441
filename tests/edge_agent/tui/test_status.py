"""The status bar's pieces, from a snapshot of the device's state."""

from __future__ import annotations

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
