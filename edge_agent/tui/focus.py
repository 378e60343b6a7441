"""Where the keyboard focus goes when the widget holding it is gone or hidden.

A key goes to the focused widget first, then up through its parents to the
screen and the app: a focused widget that was removed has no parents, so no
key (not even ctrl+q) would reach a binding. Every screen names its main
widget in ``AUTO_FOCUS``; :func:`focus_home` puts the focus back there.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget


def reachable(widget: Widget) -> bool:
    """Whether keys can reach ``widget``: mounted, focusable, and neither it
    nor any of its parents hidden. (Read from the styles themselves: the
    screen's focus chain catches up with a change of display only later.)"""
    return (
        widget.is_attached
        and widget.focusable
        and all(node.display for node in widget.ancestors_with_self)
    )


def focus_is_lost(screen: Screen[Any]) -> bool:
    """Whether the screen's focused widget was removed or can no longer be
    reached (hidden, or inside something hidden)."""
    focused = screen.focused
    return focused is not None and not reachable(focused)


def focus_home(screen: Screen[Any]) -> Widget | None:
    """Focus the screen's main widget (its ``AUTO_FOCUS``), else the first
    that can take the focus; returns the widget focused, if any."""
    selector = screen.AUTO_FOCUS or "*"
    home = next((w for w in screen.query(selector) if reachable(w)), None)
    if home is None:
        home = next((w for w in screen.focus_chain if reachable(w)), None)
    screen.set_focus(home)
    return home


def focus_home_if_within(node: Widget) -> None:
    """Send the focus home when it is on ``node`` or inside it (``node`` is
    about to be hidden or removed)."""
    screen = node.screen
    focused = screen.focused
    if focused is not None and (focused is node or node in focused.ancestors):
        screen.set_focus(None)
        focus_home(screen)
