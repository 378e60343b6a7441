"""The JSON schema that constrains the model's tool call.

Generated from the tools that the current policy lets this technician use, so
the model cannot name another tool; argument ranges come from the tool's
schema, and an order's part number is limited to the catalogue's parts.
Arguments already read from the request by rules are left out: the model
writes only what is missing, and the caller adds the rest back.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from edge_agent.act.catalogue import ToolSpec

MAX_ENUM_VALUES = 500
"""Above this many known ids, values are checked after parsing only."""

MODEL_TEXT_LIMIT = 80
"""Longest free text (a summary, a note) the model may write into a call."""


def tool_call_schema(
    tools: Sequence[ToolSpec],
    *,
    known: Mapping[str, Sequence[str]] | None = None,
    fixed: Collection[str] = (),
) -> dict[str, Any]:
    """``{"tool": name, "args": {...}}`` for exactly one of ``tools``.

    Args:
        tools: the tools the policy allows.
        known: values an argument may take, by argument name (for example
            ``part_number`` from the catalogue, ``job_id`` from the job list).
        fixed: arguments the caller already has (read by rules): left out of
            every tool's arguments, so the model does not write them.

    Raises:
        ValueError: ``tools`` is empty (nothing may be proposed).
    """
    if not tools:
        raise ValueError("no tool is allowed")
    return {"oneOf": [_call(tool, known or {}, fixed) for tool in tools]}


def _call(
    tool: ToolSpec, known: Mapping[str, Sequence[str]], fixed: Collection[str]
) -> dict[str, Any]:
    args = _inline_refs(copy.deepcopy(tool.json_schema()))
    args.pop("title", None)
    _leave_out(args, fixed)
    for name, prop in args.get("properties", {}).items():
        values = known.get(name, ())
        if 0 < len(values) <= MAX_ENUM_VALUES:
            enum = {"enum": list(values)}
            args["properties"][name] = (
                {"anyOf": [enum, {"type": "null"}]} if "anyOf" in prop else enum
            )
        else:
            _shorten(prop)
    return {
        "type": "object",
        "properties": {"tool": {"const": tool.name}, "args": args},
        "required": ["tool", "args"],
        "additionalProperties": False,
    }


def _leave_out(args: dict[str, Any], fixed: Collection[str]) -> None:
    """Drop the ``fixed`` arguments from an argument schema."""
    for name in fixed:
        args.get("properties", {}).pop(name, None)
    if "required" in args:
        args["required"] = [name for name in args["required"] if name not in fixed]


def _shorten(prop: dict[str, Any]) -> None:
    """Cap free text: a small model left unbounded can loop until the token
    budget ends mid-string; every bound also grows the grammar, so keep it low."""
    for option in [prop, *prop.get("anyOf", [])]:
        if option.get("maxLength", 0) > MODEL_TEXT_LIMIT:
            option["maxLength"] = MODEL_TEXT_LIMIT


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Our argument models have no nested models; drop titles for a small grammar."""
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        for option in prop.get("anyOf", []):
            option.pop("title", None)
    return schema
