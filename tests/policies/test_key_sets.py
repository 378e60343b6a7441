"""Key sets: a device takes the first one it is given and follows each later
one only when the chain holds (signed by a key of the set before and by its
own new key, and no revoked key trusted again)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from policies import (
    KeySet,
    KeySetRejected,
    first_key_set,
    follow_key_sets,
    parse_key_set,
)
from policies.key_sets import next_key_set
from policies.signing import SigningKey, generate_signing_key, sign_key_set

AT = datetime(2026, 12, 1, tzinfo=UTC)


def key(name: str) -> SigningKey:
    return generate_signing_key(name)


def first(active: SigningKey) -> str:
    key_set = KeySet(1, (active.public_key,), active.key_id, (), AT)
    return sign_key_set(key_set, [active]).encode()


def rotated(
    before: KeySet,
    outgoing: SigningKey,
    new: SigningKey,
    *,
    revoke: tuple[str, ...] = (),
    signers: list[SigningKey] | None = None,
) -> str:
    kept = tuple(k for k in before.keys if k.key_id not in revoke)
    key_set = KeySet(
        before.version + 1,
        (*kept, new.public_key),
        new.key_id,
        tuple(sorted({*before.revoked, *revoke})),
        AT,
    )
    return sign_key_set(key_set, signers or [outgoing, new]).encode()


def test_the_first_set_is_taken_when_its_own_key_signed_it() -> None:
    a = key("centre-a")

    key_set = first_key_set(first(a))

    assert (key_set.version, key_set.active, key_set.trusted.ids) == (
        1,
        "centre-a",
        ("centre-a",),
    )


def test_a_first_set_signed_by_another_key_is_refused() -> None:
    a, b = key("centre-a"), key("centre-b")
    forged = sign_key_set(KeySet(1, (a.public_key,), "centre-a", (), AT), [b])

    with pytest.raises(KeySetRejected, match="own active key"):
        first_key_set(forged.encode())


def test_a_device_follows_several_rotations_it_missed_in_one_go() -> None:
    a, b, c = key("centre-a"), key("centre-b"), key("centre-c")
    one = first_key_set(first(a))
    second = rotated(one, a, b)
    two = next_key_set(one, second)
    third = rotated(two, b, c, revoke=("centre-a",))

    newest = follow_key_sets(one, [third, second])  # any order

    assert (newest.version, newest.active) == (3, "centre-c")
    assert newest.trusted.ids == ("centre-b", "centre-c")
    assert newest.revoked == ("centre-a",)


def test_older_sets_in_the_chain_are_skipped() -> None:
    a, b = key("centre-a"), key("centre-b")
    one = first_key_set(first(a))
    two = next_key_set(one, rotated(one, a, b))

    assert follow_key_sets(two, [first(a), rotated(one, a, b)]) == two


def test_a_gap_in_the_chain_is_refused() -> None:
    a, b, c = key("centre-a"), key("centre-b"), key("centre-c")
    one = first_key_set(first(a))
    two = next_key_set(one, rotated(one, a, b))

    with pytest.raises(KeySetRejected, match="versions between are missing"):
        follow_key_sets(one, [rotated(two, b, c)])


def test_a_set_not_signed_by_the_keys_before_is_refused() -> None:
    a, stranger, b = key("centre-a"), key("stranger"), key("centre-b")
    one = first_key_set(first(a))

    with pytest.raises(KeySetRejected, match="not signed by any key of version 1"):
        next_key_set(one, rotated(one, a, b, signers=[stranger, b]))


def test_a_set_whose_new_key_did_not_sign_is_refused() -> None:
    a, b = key("centre-a"), key("centre-b")
    one = first_key_set(first(a))

    with pytest.raises(KeySetRejected, match="own active key centre-b"):
        next_key_set(one, rotated(one, a, b, signers=[a]))


def test_a_set_that_trusts_a_revoked_key_again_is_refused() -> None:
    a, b, c = key("centre-a"), key("centre-b"), key("centre-c")
    one = first_key_set(first(a))
    two = next_key_set(one, rotated(one, a, b, revoke=("centre-a",)))
    unrevoking = KeySet(3, (b.public_key, c.public_key), "centre-c", (), AT)

    with pytest.raises(KeySetRejected, match="revoked key"):
        next_key_set(two, sign_key_set(unrevoking, [b, c]).encode())


def test_a_changed_set_no_longer_matches_its_signatures() -> None:
    a, b, intruder = key("centre-a"), key("centre-b"), key("intruder")
    one = first_key_set(first(a))
    document = json.loads(rotated(one, a, b))
    document["key_set"]["keys"].append(
        json.loads(rotated(one, a, intruder))["key_set"]["keys"][-1]
    )

    with pytest.raises(KeySetRejected, match="not signed"):
        next_key_set(one, json.dumps(document))


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"format": 9}',
        '{"format": 1, "key_set": {}, "signatures": []}',
    ],
)
def test_a_malformed_document_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(KeySetRejected):
        parse_key_set(text)


def test_a_set_whose_active_key_is_revoked_cannot_be_made() -> None:
    a = key("centre-a")

    with pytest.raises(KeySetRejected):
        KeySet(1, (a.public_key,), "centre-a", ("centre-a",), AT)
