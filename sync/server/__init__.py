"""The central governance service: policy signing now, the HTTP API later.

It never imports the edge app, textual or llama_cpp: it runs on servers without
them. Of this project it imports only :mod:`policies`, ``sync.protocol`` and
``sync.errors``.
"""

from __future__ import annotations

__all__: list[str] = []
