"""Errors raised by the policy package.

    PolicyError             anything about the policy, reported to the user as is
    ├── PolicyFileError     a policy source file is invalid (names file, rule, field)
    ├── BundleRejected      a bundle failed verification (``reason``: which check)
    └── InvalidRequest      a tool call's arguments cannot be judged (wrong types)

Policy *denials* are not errors: :func:`policies.evaluate` returns them as a
:class:`~policies.model.Decision`.
"""

from __future__ import annotations

from enum import StrEnum


class PolicyError(Exception):
    """Base class: a plain-language ``message`` and an optional ``title``."""

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.title = title


class PolicyFileError(PolicyError):
    """A policy source file cannot be parsed or breaks the policy schema.

    Attributes:
        file: Name of the offending file.
        rule: Id (or position) of the offending rule, when the problem is in one.
        field: Dotted path of the offending field, when there is one.
        problem: What is wrong, without the location.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str,
        rule: str | None = None,
        field: str | None = None,
    ) -> None:
        where = [file]
        if rule is not None:
            where.append(f"rule {rule!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {problem}", title="Invalid policy file")
        self.file = file
        self.rule = rule
        self.field = field
        self.problem = problem


class RejectReason(StrEnum):
    """Which check a bundle failed; the values are stable codes for logs and APIs."""

    MALFORMED = "malformed"
    """Not a bundle document: bad UTF-8 or JSON, missing or unexpected fields."""
    SIGNATURE = "signature"
    """The signature is missing, garbled or does not match the manifest."""
    UNKNOWN_KEY = "unknown_key"
    """The manifest names a key id this device does not trust."""
    FILE_SET = "file_set"
    """The bundle holds files the manifest does not list, or lacks listed ones."""
    HASH_MISMATCH = "hash_mismatch"
    """A file's content does not match the hash in the manifest."""
    ROLLBACK = "rollback"
    """The version is lower than the active bundle's."""
    SAME_VERSION = "same_version"
    """The version equals the active bundle's but the content differs."""
    EXPIRED = "expired"
    """The bundle's expiry time has passed (by the device's high-water clock)."""
    ISSUED_IN_FUTURE = "issued_in_future"
    """The bundle says it was issued further ahead of the device's time than
    the allowed clock skew (:data:`policies.bundle.MAX_CLOCK_SKEW`)."""
    CLIENT_TOO_OLD = "client_too_old"
    """The bundle needs a newer version of the app."""
    INVALID_POLICY = "invalid_policy"
    """The signed policy files do not compile."""


class BundleRejected(PolicyError):
    """A policy bundle was refused; nothing was installed.

    Attributes:
        reason: The check that failed.
    """

    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message, title="Policy bundle rejected")
        self.reason = reason


class InvalidRequest(PolicyError):
    """A tool call's arguments have types the policy cannot judge.

    For example a quantity that is not a whole number: rather than let such a
    call slip past a quantity limit, no request is built for it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, title="Invalid tool call")
