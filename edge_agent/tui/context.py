"""How screens and widgets reach the app they run in, typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from edge_agent.tui.app import FieldApp


def field_app(node: DOMNode) -> FieldApp:
    """The :class:`~edge_agent.tui.app.FieldApp` that ``node`` belongs to."""
    return cast("FieldApp", node.app)
