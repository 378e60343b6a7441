"""When a rule applies: :class:`Condition`, compiled to one fast check.

Each condition field that is set becomes one small function of the request;
unset fields cost nothing. :class:`~policies.model.Policy` settles the role,
tool and action type conditions once, by indexing, so :func:`policies.evaluate`
only runs the context checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from policies.freshness import ASSET, INPUT_NAMES, describe_input
from policies.origins import recorded_origin

if TYPE_CHECKING:
    from policies.model import Request


@dataclass(frozen=True, slots=True)
class Scope:
    """A set of names (sites, assets, jobs); a trailing ``*`` matches a prefix."""

    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, patterns: tuple[str, ...] | list[str]) -> Scope:
        """Build a scope from patterns such as ``"PUMP-7"`` or ``"NORTH-*"``."""
        names = frozenset(p for p in patterns if not p.endswith("*"))
        prefixes = tuple(p[:-1] for p in patterns if p.endswith("*"))
        return cls(names, prefixes)

    def contains(self, value: str | None) -> bool:
        """Whether ``value`` is in scope; an unknown value never is."""
        if value is None:
            return False
        return value in self.names or value.startswith(self.prefixes)


Check = Callable[["Request"], bool]
"""A test of one request."""


@dataclass(frozen=True, slots=True)
class Condition:
    """When a rule applies: every given field must hold (unset fields always do).

    Attributes:
        tools: The request's tool is one of these.
        action_types: The request's action type is one of these.
        roles: The technician's role is one of these.
        technicians: The technician id is one of these.
        sites: The site is in this scope.
        outside_sites: The site is unknown or outside this scope.
        assets: The asset is in this scope.
        outside_assets: The asset is unknown or outside this scope.
        jobs: The job is in this scope.
        outside_jobs: The job is unknown or outside this scope.
        amount_over: The amount is known and greater than this.
        amount_missing: The amount is unknown (``True``) or known (``False``).
        quantity_over: The quantity is known and greater than this.
        model_proposed: The model proposed the action (or not).
        confidence_below: The model's confidence is unknown or below this.
        not_grounded: The proposal did not pass (``True``) or passed the
            grounding check.
        args: Each named argument is a string among the listed values.
        arg_origins: Each named argument is given and its recorded origin
            (:mod:`policies.origins`) is among the listed ones.
        older_than: Each named input (:data:`policies.freshness.FRESHNESS_INPUTS`)
            is older than its limit in seconds, or of unknown age (the asset
            record only for an action that names an asset).
        job_not_in_book: The action's job was not (``True``) or was in the
            job book the device decided with; not recorded: neither holds.
    """

    tools: frozenset[str] | None = None
    action_types: frozenset[str] | None = None
    roles: frozenset[str] | None = None
    technicians: frozenset[str] | None = None
    sites: Scope | None = None
    outside_sites: Scope | None = None
    assets: Scope | None = None
    outside_assets: Scope | None = None
    jobs: Scope | None = None
    outside_jobs: Scope | None = None
    amount_over: float | None = None
    amount_missing: bool | None = None
    quantity_over: int | None = None
    model_proposed: bool | None = None
    confidence_below: float | None = None
    not_grounded: bool | None = None
    args: Mapping[str, frozenset[str]] | None = None
    arg_origins: Mapping[str, frozenset[str]] | None = None
    older_than: Mapping[str, float] | None = None
    job_not_in_book: bool | None = None
    _match: Check = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_match", _all_of(tuple(_context_checks(self))))

    def applies_to(self, role: str, tool: str, action_type: str) -> bool:
        """Whether the role, tool and action type conditions hold."""
        return (
            (self.roles is None or role in self.roles)
            and (self.tools is None or tool in self.tools)
            and (self.action_types is None or action_type in self.action_types)
        )

    @property
    def context_check(self) -> Check:
        """The compiled test that :meth:`matches_context` runs."""
        return self._match

    def matches_context(self, request: Request) -> bool:
        """Whether every condition other than role, tool and action type holds."""
        return self._match(request)

    def freshness_notes(self, request: Request) -> tuple[str, ...]:
        """What the freshness conditions found, in plain words, to follow a
        matching rule's reason (``"job book v7 from 3 days ago"``)."""
        freshness = request.freshness
        notes = [
            f"{describe_input(name, freshness)} for {request.asset}"
            if name == ASSET
            else describe_input(name, freshness)
            for name in self.older_than or {}
        ]
        if self.job_not_in_book and request.job is not None:
            version = freshness.versions.get("job_book")
            book = f"job book v{version}" if version else "job book"
            notes.append(f"job {request.job} is not in the {book} on this device")
        return tuple(notes)

    def matches(self, request: Request) -> bool:
        """Whether every condition holds for ``request``."""
        return self.applies_to(
            request.role, request.tool, request.action_type
        ) and self.matches_context(request)


def _context_checks(c: Condition) -> list[Check]:
    """One small function per set condition, so matching skips unset ones."""
    checks: list[Check] = []
    if c.technicians is not None:
        checks.append(_in_set("technician_id", c.technicians))
    for name in ("site", "asset", "job"):
        inside: Scope | None = getattr(c, f"{name}s")
        outside: Scope | None = getattr(c, f"outside_{name}s")
        if inside is not None:
            checks.append(_in_scope(name, inside, expected=True))
        if outside is not None:
            checks.append(_in_scope(name, outside, expected=False))
    if c.amount_over is not None:
        checks.append(_over("amount", c.amount_over))
    if c.amount_missing is not None:
        missing = c.amount_missing
        checks.append(lambda r: (r.amount is None) is missing)
    if c.quantity_over is not None:
        checks.append(_over("quantity", c.quantity_over))
    if c.model_proposed is not None:
        proposed = c.model_proposed
        checks.append(lambda r: r.model_proposed is proposed)
    if c.confidence_below is not None:
        floor = c.confidence_below
        checks.append(
            lambda r: r.model_confidence is None or r.model_confidence < floor
        )
    if c.not_grounded is not None:
        ungrounded = c.not_grounded
        checks.append(lambda r: (r.grounded is not True) is ungrounded)
    for arg, values in (c.args or {}).items():
        checks.append(_arg_in(arg, values))
    for arg, origins in (c.arg_origins or {}).items():
        checks.append(_arg_origin_in(arg, origins))
    for name, limit in (c.older_than or {}).items():
        checks.append(_older_than(name, limit))
    if c.job_not_in_book is not None:
        missing = c.job_not_in_book
        checks.append(lambda r: r.freshness.job_in_book is (not missing))
    return checks


def _in_set(attribute: str, values: frozenset[str]) -> Check:
    get = attrgetter(attribute)
    return lambda r: get(r) in values


def _in_scope(attribute: str, scope: Scope, *, expected: bool) -> Check:
    get, names, prefixes = attrgetter(attribute), scope.names, scope.prefixes

    def inside(r: Request) -> bool:
        value = get(r)
        return value is not None and (value in names or value.startswith(prefixes))

    def outside(r: Request) -> bool:
        value = get(r)
        return value is None or not (value in names or value.startswith(prefixes))

    return inside if expected else outside


def _over(attribute: str, threshold: float) -> Check:
    get = attrgetter(attribute)

    def check(r: Request) -> bool:
        value = get(r)
        return value is not None and value > threshold

    return check


def _all_of(checks: tuple[Check, ...]) -> Check:
    """One function checking all of ``checks`` (no loop for the common sizes)."""
    if not checks:
        return lambda r: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda r: first(r) and second(r)

    def every(r: Request) -> bool:
        for check in checks:  # noqa: SIM110 (a plain loop is faster than all())
            if not check(r):
                return False
        return True

    return every


def _arg_in(arg: str, values: frozenset[str]) -> Check:
    def check(r: Request) -> bool:
        value = r.args.get(arg)
        return isinstance(value, str) and value in values

    return check


def _arg_origin_in(arg: str, origins: frozenset[str]) -> Check:
    def check(r: Request) -> bool:
        return (
            r.args.get(arg) is not None
            and recorded_origin(r.arg_origins, arg) in origins
        )

    return check


def _older_than(name: str, limit: float) -> Check:
    assert name in INPUT_NAMES, name

    def check(r: Request) -> bool:
        age = r.freshness.age(name)
        return age is None or age > limit

    if name != ASSET:
        return check
    # An action that names no asset rests on no asset record.
    return lambda r: r.asset is not None and check(r)
