"""Static import contracts miss imports deferred into functions; this does not."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "llama_cpp", "rapidocr", "onnxruntime", "pytesseract", "cv2")


@pytest.mark.parametrize(
    "module",
    [
        "policies",
        "knowledge_cache",
        "sync",
        "sync.server",
        "edge_agent.__main__",
        "edge_agent.config",
        "edge_agent.policy_store",
        "edge_agent.answer.answerer",
        "edge_agent.answer.question_turn",
        "edge_agent.act.request_turn",
        "edge_agent.depot.sync_run",
        "edge_agent.llm",
        "edge_agent.ocr",
        "edge_agent.cli.ocr",
    ],
)
def test_importing_leaves_heavy_stacks_unloaded(module: str) -> None:
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
