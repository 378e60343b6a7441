"""Byte-exact encodings shared by signer and verifier: canonical JSON, base64."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON: sorted keys, no whitespace, UTF-8.

    The signer and the verifier both sign or check these exact bytes, so a
    document re-serialised by anyone yields the same signature input.
    """
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def file_digest(text: str) -> str:
    """The manifest's hash of a source file: ``sha256:`` and the hex digest."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def encode_base64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: object, *, length: int) -> bytes | None:
    """Decode canonical base64 of exactly ``length`` bytes, else ``None``.

    Non-canonical spellings (ignored trailing bits, missing padding, stray
    characters) are refused, so one value has exactly one encoding.
    """
    if not isinstance(text, str):
        return None
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    if len(data) != length or encode_base64(data) != text:
        return None
    return data
