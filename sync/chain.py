"""The outbox hash chain: byte-exact rules that the device and the centre share.

Each action of a device's outbox is a link. Its *content* is the action's
immutable fields (:data:`CONTENT_FIELDS`, nothing that changes with its state);
its hash is::

    row_hash = sha256(prev_hash || canonical_json(content))

where ``prev_hash`` is the previous link's ``row_hash`` (:data:`GENESIS_HASH`
before the first), both as 64 lower-case hex digits in ASCII, and canonical JSON
has sorted keys, no white space and UTF-8 text. Editing, removing or reordering
any queued action, its payload, decision, confirmation or evidence breaks the
chain from that link on.

Pure: no I/O, clock or randomness, so the central service can import it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policies.encoding import canonical_json as canonical_json

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a device's first action."""

CONTENT_FIELDS = (
    "device_id",
    "seq",
    "key",
    "tool",
    "action_type",
    "payload",
    "payload_hash",
    "decision",
    "confirmation",
    "evidence",
    "trace_id",
    "created_at",
)
"""The fields of an action that its link hashes, in no particular order."""


def sha256_hex(data: bytes) -> str:
    """The SHA-256 digest of ``data`` as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def payload_hash(payload: Mapping[str, Any]) -> str:
    """The hash that binds a confirmation to an exact payload."""
    return sha256_hex(canonical_json(payload))


def link_content(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed content of an action: exactly :data:`CONTENT_FIELDS`.

    Raises:
        KeyError: a content field is missing from ``fields``.
    """
    return {name: fields[name] for name in CONTENT_FIELDS}


def row_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """The hash of a link: its predecessor's hash, then its canonical content."""
    return sha256_hex(prev_hash.encode("ascii") + canonical_json(content))


@dataclass(frozen=True, slots=True)
class Link:
    """One action as the chain sees it.

    Attributes:
        seq: The action's per-device sequence number.
        prev_hash: The hash stored as its predecessor's.
        row_hash: The hash stored as its own.
        content: Its hashed content, or ``None`` when only the hashes are kept
            (an action pruned after the centre acknowledged it): such a link is
            checked for its place in the chain but cannot be recomputed.
    """

    seq: int
    prev_hash: str
    row_hash: str
    content: Mapping[str, Any] | None


def first_break(
    links: Iterable[Link],
    *,
    start_seq: int = 1,
    start_hash: str = GENESIS_HASH,
    end_seq: int | None = None,
    end_hash: str | None = None,
) -> int | None:
    """The sequence number where the chain first breaks, or ``None`` if it holds.

    Args:
        links: The links in sequence order.
        start_seq: The sequence number the first link must have.
        start_hash: The hash the first link must name as its predecessor
            (the centre passes the last link it already verified).
        end_seq: If given, the sequence number of the last link (the device's
            count of actions ever recorded): a missing tail breaks the chain.
        end_hash: If given, the hash the last link must have.

    A link breaks the chain when its sequence number is not the next one (the
    missing number is returned), when it does not name its predecessor's hash,
    or when its content does not hash to its stored hash.
    """
    expected_seq, expected_prev = start_seq, start_hash
    for link in links:
        if link.seq != expected_seq:
            return min(link.seq, expected_seq)
        if link.prev_hash != expected_prev:
            return link.seq
        if link.content is not None and (
            row_hash(link.prev_hash, link.content) != link.row_hash
        ):
            return link.seq
        expected_seq, expected_prev = link.seq + 1, link.row_hash
    if end_seq is not None and end_seq != expected_seq - 1:
        return min(expected_seq, end_seq + 1)
    if end_hash is not None and end_hash != expected_prev:
        return max(expected_seq - 1, start_seq)
    return None
