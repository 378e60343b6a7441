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

Every error names the file, the rule and the field at fault. The rules are
read by :mod:`policies.rule_loader`, the sections one file alone may hold by
:mod:`policies.section_loader`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from policies.errors import PolicyFileError
from policies.fields import NAME, Located, Where
from policies.model import ACTION_TYPES, Policy, Role
from policies.rule_loader import read_rules
from policies.section_loader import (
    read_budgets,
    read_kill_switches,
    read_price_tolerance,
    read_redaction,
)

SOURCE_SUFFIX = ".toml"
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.toml")
"""Names a policy source file may have (no folders, nothing hidden)."""

_SINGLE_FILE_SECTIONS = ("budgets", "redaction", "kill_switches", "freshness")
_SECTIONS = ("tools", "roles", "rules", *_SINGLE_FILE_SECTIONS)
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
    rules = read_rules(parsed, catalogue, roles)
    single = _single_sections(parsed)
    return Policy(
        tools=catalogue,
        roles=roles,
        rules=rules,
        budgets=read_budgets(single.get("budgets"), catalogue),
        redact_fields=read_redaction(single.get("redaction")),
        kill_switches=read_kill_switches(single.get("kill_switches"), catalogue),
        version=version,
        price_tolerance=read_price_tolerance(single.get("freshness")),
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
        if not NAME.fullmatch(tool):
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
        if not NAME.fullmatch(name):
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
