"""Starlette's ``TestClient`` (an ``httpx.Client`` that calls the app in-process).

Starlette 1.x warns at import that it prefers ``httpx2``; the edge client is
built on ``httpx``, and contract tests need the test client to be an
``httpx.Client``, so the warning is silenced for this one import (the suite
turns warnings into errors).
"""

from __future__ import annotations

import warnings

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

__all__ = ["TestClient"]
