"""Policy source files (TOML) to a :class:`~policies.model.Policy`.

A policy is a folder of ``*.toml`` files, read in name order. Each file may hold
any of these tables; ``tools``, ``roles`` and ``rules`` merge across files, the
others may appear in one file only::

    [tools]                    # every tool and its action type
    order_part = "order"

    [roles.technician]         # each role's tool allow-list
    tools = ["search_kb", "order_part"]

    [[rules]]                  # rules, in order
    id = "parts-over-250"
    outcome = "approve"
    reason = "Parts orders over 250 need a supervisor's approval."
    when.tools = ["order_part"]
    when.amount_over = 250

    [[rules]]                  # where an argument's text came from
    id = "photo-part-confirmed-at-a-prompt"
    outcome = "confirm"
    interactive = true         # confirmed at a prompt, never by --yes
    reason = "A part number read from a photo is confirmed at a prompt."
    when.tools = ["order_part"]
    when.arg_origins.part_number = ["photo"]

    [[rules]]                  # how old the data is (s, m, h, d, w)
    id = "order-on-old-job-book"
    outcome = "approve"
    reason = "A part order on a job book older than 48 hours needs approval."
    when.tools = ["order_part"]
    when.older_than.job_book = "48h"   # also: kb, sync, asset; unknown counts

    [[rules]]
    id = "job-not-in-job-book"
    outcome = "deny"
    reason = "The job is not in the job book last received."
    when.job_not_in_book = true

    [freshness]                # what the centre checks again at push
    price_tolerance = 0.05     # a part's price may move 5% (default 0: exact)

    [budgets]                  # answer_max_tokens, answer_timeout_ms, ...
    [redaction]                # fields = [...]
    [kill_switches]            # agent, tools, action_types, reason

Every error names the file, the rule and the field at fault.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from policies.conditions import Condition, Scope
from policies.errors import PolicyFileError
from policies.fields import Where
from policies.freshness import FRESHNESS_INPUTS, parse_age
from policies.model import (
    ACTION_TYPES,
    Budgets,
    KillSwitches,
    Outcome,
    Policy,
    Role,
    Rule,
)
from policies.origins import CONDITION_ORIGINS

SOURCE_SUFFIX = ".toml"
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.toml")
"""Names a policy source file may have (no folders, nothing hidden)."""

RULE_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SCOPE = re.compile(r"[^*]+\*?|\*")

_SINGLE_FILE_SECTIONS = ("budgets", "redaction", "kill_switches", "freshness")
_SECTIONS = ("tools", "roles", "rules", *_SINGLE_FILE_SECTIONS)
MAX_PRICE_TOLERANCE = 1.0
"""The widest price tolerance a policy may give: the price may double or fall
to nothing."""
_RULE_FIELDS = ("id", "outcome", "reason", "when", "interactive")
_INTERACTIVE_OUTCOMES = (Outcome.CONFIRM, Outcome.APPROVE)
_SCOPES = ("sites", "outside_sites", "assets", "outside_assets", "jobs", "outside_jobs")
_WHEN_FIELDS = (
    ("tools", "action_types", "roles", "technicians", *_SCOPES)
    + ("amount_over", "amount_missing", "quantity_over", "model_proposed")
    + ("confidence_below", "not_grounded", "args", "arg_origins")
    + ("older_than", "job_not_in_book")
)
_BUDGET_FIELDS = (
    "answer_max_tokens",
    "answer_timeout_ms",
    "tool_calls_per_turn",
    "tool_timeout_ms",
    "tool_timeouts_ms",
)
_ALL_FILES = "(policy files)"


def read_policy_sources(folder: Path) -> dict[str, str]:
    """The policy source files in ``folder`` (``*.toml``, not recursive).

    Returns:
        File name to text, in name order.

    Raises:
        PolicyFileError: the folder is missing or unreadable, holds no policy
            file, or a file is not UTF-8 text.
    """
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == SOURCE_SUFFIX)
    except OSError as exc:
        raise PolicyFileError(
            f"cannot list the folder ({exc.strerror})", file=str(folder)
        ) from exc
    if not paths:
        raise PolicyFileError("holds no .toml policy files", file=str(folder))
    sources: dict[str, str] = {}
    for path in paths:
        try:
            sources[path.name] = path.read_bytes().decode("utf-8")
        except OSError as exc:
            raise PolicyFileError(
                f"cannot be read ({exc.strerror})", file=path.name
            ) from exc
        except UnicodeDecodeError as exc:
            raise PolicyFileError("is not UTF-8 text", file=path.name) from exc
    return sources


def load_policy_dir(path: Path) -> Policy:
    """Read and compile the policy source files in the folder ``path``.

    Raises:
        PolicyFileError: a file cannot be read or is invalid.
    """
    return policy_from_sources(read_policy_sources(path))


def policy_from_sources(files: Mapping[str, str], *, version: int = 0) -> Policy:
    """Compile policy source texts (file name to TOML text) into a policy.

    Args:
        files: The source files, by name.
        version: The bundle version to label the policy with.

    Raises:
        PolicyFileError: a file is not valid TOML or breaks the schema.
    """
    if not files:
        raise PolicyFileError("no policy files given", file=_ALL_FILES)
    parsed = [(Where(name), _parse(name, files[name])) for name in sorted(files)]
    tools = _merge_tables(parsed, "tools")
    catalogue = _tool_catalogue(tools)
    roles = _roles(_merge_tables(parsed, "roles"), catalogue)
    rules = _rules(parsed, catalogue, roles)
    single = _single_sections(parsed)
    return Policy(
        tools=catalogue,
        roles=roles,
        rules=rules,
        budgets=_budgets(single.get("budgets"), catalogue),
        redact_fields=_redaction(single.get("redaction")),
        kill_switches=_kill_switches(single.get("kill_switches"), catalogue),
        version=version,
        price_tolerance=_price_tolerance(single.get("freshness")),
    )


def _parse(name: str, text: str) -> Mapping[str, Any]:
    where = Where(name)
    if not FILE_NAME.fullmatch(name):
        raise where.error(
            None, "is not a valid policy file name (letters, digits, ._-, .toml)"
        )
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise where.error(None, f"is not valid TOML ({exc})") from exc
    where.only(document, _SECTIONS, "")
    return document


Located = tuple[Where, Any]


def _merge_tables(
    parsed: list[tuple[Where, Mapping[str, Any]]], section: str
) -> dict[str, Located]:
    """Entries of ``section`` from every file; an entry defined twice is an error."""
    merged: dict[str, Located] = {}
    for where, document in parsed:
        if section not in document:
            continue
        for key, value in where.table(document[section], section).items():
            if key in merged:
                first = merged[key][0].file
                raise where.error(f"{section}.{key}", f"already defined in {first}")
            merged[key] = (where, value)
    if not merged:
        raise PolicyFileError(f"no file defines [{section}]", file=_ALL_FILES)
    return merged


def _single_sections(
    parsed: list[tuple[Where, Mapping[str, Any]]],
) -> dict[str, Located]:
    found: dict[str, Located] = {}
    for where, document in parsed:
        for section in _SINGLE_FILE_SECTIONS:
            if section in document:
                if section in found:
                    first = found[section][0].file
                    raise where.error(section, f"already defined in {first}")
                found[section] = (where, document[section])
    return found


def _tool_catalogue(tools: dict[str, Located]) -> Mapping[str, str]:
    catalogue: dict[str, str] = {}
    for tool, (where, value) in tools.items():
        field = f"tools.{tool}"
        if not _NAME.fullmatch(tool):
            raise where.error(field, "is not a valid tool name")
        action = where.text(value, field)
        if action not in ACTION_TYPES:
            choices = ", ".join(sorted(ACTION_TYPES))
            raise where.error(field, f"{action!r} is not an action type ({choices})")
        catalogue[tool] = action
    return MappingProxyType(catalogue)


def _roles(
    roles: dict[str, Located], catalogue: Mapping[str, str]
) -> Mapping[str, Role]:
    compiled: dict[str, Role] = {}
    for name, (where, value) in roles.items():
        prefix = f"roles.{name}"
        if not _NAME.fullmatch(name):
            raise where.error(prefix, "is not a valid role name")
        table = where.table(value, prefix)
        where.only(table, ("tools", "description"), f"{prefix}.")
        if "tools" not in table:
            raise where.error(f"{prefix}.tools", "is required (the role's allow-list)")
        tools = where.names(table["tools"], f"{prefix}.tools", catalogue, "tool")
        description = ""
        if "description" in table:
            description = where.text(table["description"], f"{prefix}.description")
        compiled[name] = Role(name, tools, description)
    return MappingProxyType(compiled)


def _rules(
    parsed: list[tuple[Where, Mapping[str, Any]]],
    catalogue: Mapping[str, str],
    roles: Mapping[str, Role],
) -> tuple[Rule, ...]:
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
        if not _NAME.fullmatch(name):
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


def _budgets(located: Located | None, catalogue: Mapping[str, str]) -> Budgets:
    if located is None:
        return Budgets()
    where, value = located
    table = where.table(value, "budgets")
    where.only(table, _BUDGET_FIELDS, "budgets.")
    numbers = {
        key: where.whole(raw, f"budgets.{key}", low=1)
        for key, raw in table.items()
        if key != "tool_timeouts_ms"
    }
    per_tool = where.table(
        table.get("tool_timeouts_ms", {}), "budgets.tool_timeouts_ms"
    )
    timeouts: dict[str, int] = {}
    for tool, raw in per_tool.items():
        field = f"budgets.tool_timeouts_ms.{tool}"
        if tool not in catalogue:
            raise where.error(field, f"{tool!r} is not a known tool")
        timeouts[tool] = where.whole(raw, field, low=1)
    return Budgets(**numbers, tool_timeouts_ms=MappingProxyType(timeouts))


def _price_tolerance(located: Located | None) -> float:
    if located is None:
        return 0.0
    where, value = located
    table = where.table(value, "freshness")
    where.only(table, ("price_tolerance",), "freshness.")
    if "price_tolerance" not in table:
        return 0.0
    return where.number(
        table["price_tolerance"],
        "freshness.price_tolerance",
        low=0,
        high=MAX_PRICE_TOLERANCE,
    )


def _redaction(located: Located | None) -> frozenset[str]:
    if located is None:
        return frozenset()
    where, value = located
    table = where.table(value, "redaction")
    where.only(table, ("fields",), "redaction.")
    return frozenset(
        where.texts(table.get("fields", []), "redaction.fields", allow_empty=True)
    )


def _kill_switches(
    located: Located | None, catalogue: Mapping[str, str]
) -> KillSwitches:
    if located is None:
        return KillSwitches()
    where, value = located
    table = where.table(value, "kill_switches")
    where.only(table, ("agent", "tools", "action_types", "reason"), "kill_switches.")
    defaults = KillSwitches()
    return KillSwitches(
        agent=where.flag(table.get("agent", False), "kill_switches.agent"),
        tools=where.names(
            table.get("tools", []),
            "kill_switches.tools",
            catalogue,
            "tool",
            allow_empty=True,
        ),
        action_types=where.names(
            table.get("action_types", []),
            "kill_switches.action_types",
            ACTION_TYPES,
            "action type",
            allow_empty=True,
        ),
        reason=where.text(table.get("reason", defaults.reason), "kill_switches.reason"),
    )
