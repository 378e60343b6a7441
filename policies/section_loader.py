"""The sections of policy source files that one file alone may hold:
``[budgets]``, ``[freshness]``, ``[redaction]`` and ``[kill_switches]``.

Each reader takes the section with the file it came from (``None`` when no
file holds it, which gives the defaults); every error names the file and the
field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from policies.fields import Located
from policies.model import ACTION_TYPES, Budgets, KillSwitches

MAX_PRICE_TOLERANCE = 1.0
"""The widest price tolerance a policy may give: the price may double or fall
to nothing."""
_BUDGET_FIELDS = (
    "answer_max_tokens",
    "answer_timeout_ms",
    "tool_calls_per_turn",
    "tool_timeout_ms",
    "tool_timeouts_ms",
)


def read_budgets(located: Located | None, catalogue: Mapping[str, str]) -> Budgets:
    """``[budgets]``: token, time and call limits, per tool where named."""
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


def read_price_tolerance(located: Located | None) -> float:
    """``[freshness]``: how far a part's price may move (0: exact)."""
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


def read_redaction(located: Located | None) -> frozenset[str]:
    """``[redaction]``: the argument and field names redacted from traces."""
    if located is None:
        return frozenset()
    where, value = located
    table = where.table(value, "redaction")
    where.only(table, ("fields",), "redaction.")
    return frozenset(
        where.texts(table.get("fields", []), "redaction.fields", allow_empty=True)
    )


def read_kill_switches(
    located: Located | None, catalogue: Mapping[str, str]
) -> KillSwitches:
    """``[kill_switches]``: what the policy itself switches off."""
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
