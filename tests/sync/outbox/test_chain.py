"""The hash chain: its byte-exact rules, and tampering that it detects."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from sync import GENESIS_HASH, ActionState, Outbox, QueuedAction, canonical_json
from sync.chain import CONTENT_FIELDS, Link, first_break, link_content, row_hash
from sync.outbox.rows import format_time
from tests.sync.outbox_support import DEVICE, make_outbox, sample_parts, sample_trace


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    """An outbox in memory holding five queued actions (sequence 1 to 5)."""
    with make_outbox() as box:
        for n in range(5):
            box.enqueue(**sample_parts(quantity=n + 1), trace=sample_trace(f"t{n}"))
        yield box


def tamper(outbox: Outbox, sql: str, *params: object) -> None:
    """Change the file as someone with the file (not the app) could."""
    outbox.db.execute("DROP TRIGGER IF EXISTS actions_content_append_only")
    outbox.db.execute(sql, list(params))


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_utf8() -> None:
    value = {"b": [1, 2.5, None, True], "a": {"ü": "Ω", "z": ""}}
    assert (
        canonical_json(value) == '{"a":{"z":"","ü":"Ω"},"b":[1,2.5,null,true]}'.encode()
    )
    with pytest.raises(ValueError):
        canonical_json({"x": float("inf")})


def test_a_row_hash_is_sha256_of_the_previous_hash_then_the_content() -> None:
    content = {"seq": 1, "key": "k"}
    expected = hashlib.sha256(
        GENESIS_HASH.encode() + b'{"key":"k","seq":1}'
    ).hexdigest()
    assert row_hash(GENESIS_HASH, content) == expected


def test_an_action_links_to_the_one_before(outbox: Outbox) -> None:
    first, second = sorted(outbox.list(), key=lambda a: a.seq)[:2]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.row_hash
    assert first.row_hash == row_hash(GENESIS_HASH, content_of(first))


def content_of(action: QueuedAction) -> dict[str, object]:
    """What the centre rebuilds from an uploaded action to check its link."""
    fields = {name: getattr(action, name, None) for name in CONTENT_FIELDS}
    fields["device_id"] = DEVICE
    fields["created_at"] = format_time(action.created_at)
    return link_content(fields)


def test_state_changes_do_not_touch_the_chain(outbox: Outbox) -> None:
    key = outbox.list(limit=1)[0].key
    before = outbox.get(key).row_hash
    outbox.mark_sent([key])
    outbox.mark_result(key, ActionState.APPLIED, "done")
    assert outbox.get(key).row_hash == before
    assert outbox.verify_chain() is None


def test_the_app_cannot_rewrite_a_queued_actions_content(outbox: Outbox) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="never changes"):
        outbox.db.execute("UPDATE actions SET evidence = '{}' WHERE seq = 2")


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE actions SET evidence = json_set(evidence, '$.kb_version', 'x') "
         "WHERE seq = 3", 3),
        ("UPDATE actions SET payload = json_set(payload, '$.quantity', 99) "
         "WHERE seq = 2", 2),
        ("UPDATE actions SET decision = '{\"outcome\":\"allow\"}' WHERE seq = 4", 4),
        ("UPDATE actions SET confirmation = NULL WHERE seq = 1", 1),
        ("UPDATE actions SET created_at = '2020-01-01T00:00:00.000000Z' "
         "WHERE seq = 5", 5),
        ("DELETE FROM actions WHERE seq = 3", 3),
        ("DELETE FROM actions WHERE seq = 5", 5),
        ("UPDATE actions SET seq = seq + 10 WHERE seq = 2", 2),
        ("UPDATE outbox_device SET last_seq = 7", 6),
    ],
    ids=[
        "evidence", "payload", "decision", "confirmation", "created-at",
        "deleted-middle", "deleted-last", "moved", "counter",
    ],
)  # fmt: skip
def test_verify_chain_finds_the_first_tampered_action(
    outbox: Outbox, sql: str, broken: int
) -> None:
    assert outbox.verify_chain() is None
    tamper(outbox, sql)
    assert outbox.verify_chain() == broken


def test_a_rehashed_row_still_breaks_at_its_successor(outbox: Outbox) -> None:
    """Recomputing the tampered row's own hash moves the break one link on."""
    victim = next(a for a in outbox.list() if a.seq == 2)
    evidence = {**victim.evidence, "photo_sha256": "00" * 32}
    forged = link_content({**content_of(victim), "evidence": evidence})
    tamper(
        outbox,
        "UPDATE actions SET evidence = ?, row_hash = ? WHERE seq = 2",
        json.dumps(evidence),
        row_hash(victim.prev_hash, forged),
    )
    assert outbox.verify_chain() == 3


def links(*hashes: tuple[int, str, str]) -> list[Link]:
    return [Link(seq, prev, own, None) for seq, prev, own in hashes]


def test_first_break_checks_numbers_links_and_the_ends() -> None:
    good = links((1, GENESIS_HASH, "a"), (2, "a", "b"), (3, "b", "c"))
    assert first_break(good, end_seq=3, end_hash="c") is None
    assert first_break(good[1:], start_seq=2, start_hash="a") is None
    assert first_break([good[0], good[2]]) == 2
    assert first_break(links((1, "x", "a"))) == 1
    assert first_break(good, end_seq=4) == 4
    assert first_break(good, end_hash="z") == 3
    assert first_break([], end_seq=0, end_hash=GENESIS_HASH) is None


def test_times_are_stored_in_utc_with_microseconds() -> None:
    moment = datetime(2026, 3, 2, 11, 30, 1, 5, tzinfo=timezone(timedelta(hours=2)))
    assert format_time(moment) == "2026-03-02T09:30:01.000005Z"
