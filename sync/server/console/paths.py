"""Where the console is served, and which URLs a sign-in may go back to."""

from __future__ import annotations

from urllib.parse import urlsplit

PREFIX = "/console"
"""The console's path in the service."""
HOME = f"{PREFIX}/review"
"""Where a person lands after signing in, unless they asked for a page."""
SIGN_IN = f"{PREFIX}/sign-in"
STATIC = f"{PREFIX}/static"


def safe_next(wanted: str | None) -> str:
    """``wanted`` if it is a page of this console, else :data:`HOME`: a sign-in
    never sends anyone to another site (no open redirect)."""
    if not wanted or "\\" in wanted or any(ord(c) < 32 for c in wanted):
        return HOME
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{PREFIX}/"):
        return HOME
    if parts.path.startswith(SIGN_IN) or wanted.startswith("//"):
        return HOME
    return wanted
