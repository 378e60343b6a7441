"""Turning a tool call (tool name and arguments) into a policy :class:`Request`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from policies.errors import InvalidRequest
from policies.freshness import UNKNOWN, Freshness
from policies.model import Policy, Request

UNKNOWN_ACTION = "unknown"
"""Action type of a tool the policy does not list (always denied)."""

_WHERE_ARGS = {
    "site": ("site", "site_id"),
    "asset": ("asset", "asset_id"),
    "job": ("job", "job_id"),
}


def request_for_call(
    policy: Policy | None,
    *,
    tool: str,
    args: Mapping[str, Any],
    technician_id: str,
    role: str,
    site: str | None = None,
    asset: str | None = None,
    job: str | None = None,
    model_proposed: bool = False,
    model_confidence: float | None = None,
    grounded: bool | None = None,
    arg_origins: Mapping[str, object] | None = None,
    freshness: Freshness = UNKNOWN,
) -> Request:
    """Build the request for calling ``tool`` with ``args``.

    The action type comes from the policy's tool catalogue. Site, asset and job
    named in the arguments (``site``/``site_id``, ...) win over the context
    given, since they are what the action touches. ``quantity`` is taken from
    the arguments; the amount is ``amount``, else ``quantity * unit_price``.
    ``arg_origins`` says where each argument's text came from; only text
    entries are kept (an argument without one is ``unknown`` to the rules).
    ``freshness`` is how old the data the call rests on is (unknown ages by
    default, which rules on ages count as too old).

    Raises:
        InvalidRequest: an argument the policy judges has the wrong type.
    """
    quantity = _quantity(args)
    return Request(
        technician_id=technician_id,
        role=role,
        tool=tool,
        action_type=policy.tools.get(tool, UNKNOWN_ACTION)
        if policy
        else UNKNOWN_ACTION,
        args=MappingProxyType(dict(args)),
        site=_where(args, "site", site),
        asset=_where(args, "asset", asset),
        job=_where(args, "job", job),
        model_proposed=model_proposed,
        model_confidence=model_confidence,
        grounded=grounded,
        amount=_amount(args, quantity),
        quantity=quantity,
        arg_origins=MappingProxyType(
            {
                str(name): origin
                for name, origin in (arg_origins or {}).items()
                if isinstance(origin, str)
            }
        ),
        freshness=freshness,
    )


def _where(args: Mapping[str, Any], name: str, given: str | None) -> str | None:
    for key in _WHERE_ARGS[name]:
        value = args.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise InvalidRequest(f"The argument {key} must be text, not {value!r}.")
            return value
    return given


def _quantity(args: Mapping[str, Any]) -> int | None:
    value = args.get("quantity")
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int or value < 0:
        raise InvalidRequest(f"The quantity must be a whole number, not {value!r}.")
    return value


def _amount(args: Mapping[str, Any], quantity: int | None) -> float | None:
    amount = _money(args, "amount")
    if amount is not None:
        return amount
    unit_price = _money(args, "unit_price")
    if unit_price is None or quantity is None:
        return None
    return unit_price * quantity


def _money(args: Mapping[str, Any], key: str) -> float | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"The argument {key} must be a number, not {value!r}.")
    if not math.isfinite(value) or value < 0:
        raise InvalidRequest(
            f"The argument {key} must be a positive number, not {value!r}."
        )
    return float(value)
