"""The ``[[rules]]`` entries of policy source files, and their ``when``
conditions, read into :class:`~policies.model.Rule` values.

Every error names the file, the rule and the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from policies.conditions import Condition, Scope
from policies.fields import NAME, Where
from policies.freshness import FRESHNESS_INPUTS, parse_age
from policies.model import ACTION_TYPES, Outcome, Role, Rule
from policies.origins import CONDITION_ORIGINS

RULE_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_SCOPE = re.compile(r"[^*]+\*?|\*")

_RULE_FIELDS = ("id", "outcome", "reason", "when", "interactive")
_INTERACTIVE_OUTCOMES = (Outcome.CONFIRM, Outcome.APPROVE)
_SCOPES = ("sites", "outside_sites", "assets", "outside_assets", "jobs", "outside_jobs")
_WHEN_FIELDS = (
    ("tools", "action_types", "roles", "technicians", *_SCOPES)
    + ("amount_over", "amount_missing", "quantity_over", "model_proposed")
    + ("confidence_below", "not_grounded", "args", "arg_origins")
    + ("older_than", "job_not_in_book")
)


def read_rules(
    parsed: list[tuple[Where, Mapping[str, Any]]],
    catalogue: Mapping[str, str],
    roles: Mapping[str, Role],
) -> tuple[Rule, ...]:
    """The ``[[rules]]`` of every file, in file order, each rule id used once.

    Raises:
        PolicyFileError: a rule breaks the schema or reuses an id.
    """
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file_where, document in parsed:
        entries = document.get("rules", [])
        if not isinstance(entries, list):
            raise file_where.error("rules", "expected [[rules]] entries")
        for position, entry in enumerate(entries, start=1):
            rule = _rule(file_where.file, position, entry, catalogue, roles)
            if rule.id in seen:
                raise Where(file_where.file, rule.id).error(
                    "id", f"already used by a rule in {seen[rule.id]}"
                )
            seen[rule.id] = file_where.file
            rules.append(rule)
    return tuple(rules)


def _rule(
    file: str,
    position: int,
    entry: Any,
    catalogue: Mapping[str, str],
    roles: Mapping[str, Role],
) -> Rule:
    where = Where(file, f"#{position}")
    table = where.table(entry, None)
    raw_id = table.get("id")
    if isinstance(raw_id, str) and raw_id:
        where = Where(file, raw_id)
    where.only(table, _RULE_FIELDS, "")
    for required in ("id", "outcome", "reason"):
        if required not in table:
            raise where.error(required, "is required")
    rule_id = where.text(table["id"], "id")
    if not RULE_ID.fullmatch(rule_id):
        raise where.error("id", "use lower-case letters, digits and ._- only")
    try:
        outcome = Outcome.parse(where.text(table["outcome"], "outcome"))
    except ValueError as exc:
        raise where.error("outcome", str(exc)) from exc
    reason = where.text(table["reason"], "reason")
    when = _condition(where, table.get("when", {}), catalogue, roles)
    interactive = where.flag(table.get("interactive", False), "interactive")
    if interactive and outcome not in _INTERACTIVE_OUTCOMES:
        raise where.error(
            "interactive",
            f"applies only to confirm and approve rules (a confirmation at a "
            f"prompt), not to {outcome}",
        )
    return Rule(rule_id, outcome, reason, when, interactive)


def _condition(
    where: Where,
    value: Any,
    catalogue: Mapping[str, str],
    roles: Mapping[str, Role],
) -> Condition:
    table = where.table(value, "when")
    where.only(table, _WHEN_FIELDS, "when.")
    fields: dict[str, Any] = {}
    for key, raw in table.items():
        field = f"when.{key}"
        if key == "tools":
            fields[key] = where.names(raw, field, catalogue, "tool")
        elif key == "action_types":
            fields[key] = where.names(raw, field, ACTION_TYPES, "action type")
        elif key == "roles":
            fields[key] = where.names(raw, field, roles, "role")
        elif key == "technicians":
            fields[key] = frozenset(where.texts(raw, field))
        elif key in _SCOPES:
            fields[key] = _scope(where, raw, field)
        elif key == "amount_over":
            fields[key] = where.number(raw, field, low=0)
        elif key == "quantity_over":
            fields[key] = where.whole(raw, field, low=0)
        elif key == "confidence_below":
            fields[key] = where.number(raw, field, low=0, high=1)
        elif key == "args":
            fields[key] = _arg_values(where, raw, field)
        elif key == "arg_origins":
            fields[key] = _arg_origins(where, raw, field)
        elif key == "older_than":
            fields[key] = _age_limits(where, raw, field)
        else:
            fields[key] = where.flag(raw, field)
    return Condition(**fields)


def _scope(where: Where, value: Any, field: str) -> Scope:
    patterns = where.texts(value, field)
    for i, pattern in enumerate(patterns):
        if not _SCOPE.fullmatch(pattern):
            raise where.error(f"{field}[{i}]", "'*' may only end a pattern")
    return Scope.of(patterns)


def _arg_values(where: Where, value: Any, field: str) -> Mapping[str, frozenset[str]]:
    table = where.table(value, field)
    if not table:
        raise where.error(field, "expected at least one argument")
    return MappingProxyType(
        {
            name: frozenset(where.texts(values, f"{field}.{name}"))
            for name, values in table.items()
        }
    )


def _arg_origins(where: Where, value: Any, field: str) -> Mapping[str, frozenset[str]]:
    table = where.table(value, field)
    if not table:
        raise where.error(field, "expected at least one argument")
    compiled: dict[str, frozenset[str]] = {}
    for name, origins in table.items():
        if not NAME.fullmatch(name):
            raise where.error(f"{field}.{name}", "is not a valid argument name")
        listed = where.texts(origins, f"{field}.{name}")
        for i, origin in enumerate(listed):
            if origin not in CONDITION_ORIGINS:
                choices = ", ".join(CONDITION_ORIGINS)
                raise where.error(
                    f"{field}.{name}[{i}]",
                    f"{origin!r} is not an argument origin; expected one of {choices}",
                )
        compiled[name] = frozenset(listed)
    return MappingProxyType(compiled)


def _age_limits(where: Where, value: Any, field: str) -> Mapping[str, float]:
    table = where.table(value, field)
    if not table:
        raise where.error(
            field, f"expected at least one of {', '.join(FRESHNESS_INPUTS)}"
        )
    limits: dict[str, float] = {}
    for name, raw in table.items():
        if name not in FRESHNESS_INPUTS:
            choices = ", ".join(FRESHNESS_INPUTS)
            raise where.error(
                f"{field}.{name}",
                f"is not an input with an age; expected one of {choices}",
            )
        try:
            limits[name] = parse_age(raw)
        except ValueError as exc:
            raise where.error(f"{field}.{name}", str(exc)) from exc
    return MappingProxyType(limits)
