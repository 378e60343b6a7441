"""The technician's terminal app (Textual): chat, photos, actions, jobs, the
knowledge base and sync, keyboard first, in an 80x24 terminal or larger.

Build it with :func:`make_app` and run it; :func:`default_deps` gives the real
seams. Only this package imports Textual.
"""

from __future__ import annotations

from edge_agent.tui.app import FieldApp, make_app
from edge_agent.tui.deps import AppDeps, default_deps

__all__ = ["AppDeps", "FieldApp", "default_deps", "make_app"]
