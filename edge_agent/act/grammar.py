"""The JSON schema that constrains the model's tool call.

Generated from the tools that the current policy lets this technician use, so
the model cannot name another tool; argument ranges come from the tool's
schema, and an order's part number is limited to the catalogue's parts.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from edge_agent.act.catalogue import ToolSpec

MAX_ENUM_VALUES = 500
"""Above this many known ids, values are checked after parsing only."""

MODEL_TEXT_LIMIT = 80
"""Longest free text (a summary, a note) the model may write into a call."""


def tool_call_schema(
    tools: Sequence[ToolSpec], *, known: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """``{"tool": name, "args": {...}}`` for exactly one of ``tools``.

    Args:
        tools: the tools the policy allows.
        known: values an argument may take, by argument name (for example
            ``part_number`` from the catalogue, ``job_id`` from the job list).

    Raises:
        ValueError: ``tools`` is empty (nothing may be proposed).
    """
    if not tools:
        raise ValueError("no tool is allowed")
    return {"oneOf": [_call(tool, known or {}) for tool in tools]}


def _call(tool: ToolSpec, known: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    args = _inline_refs(copy.deepcopy(tool.json_schema()))
    args.pop("title", None)
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
