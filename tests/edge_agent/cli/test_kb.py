from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from edge_agent import exit_codes
from edge_agent.__main__ import main
from edge_agent.cli.shell import run_shell
from edge_agent.config import load_settings


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_then_search_as_json(capsys, data_dir: Path) -> None:
    code, out, _ = run(capsys, "kb", "ingest", str(data_dir / "kb"))
    assert code == 0
    assert "6 added" in out
    code, out, _ = run(capsys, "kb", "search", "e 42", "--json", "--limit", "3")
    assert code == 0
    results = json.loads(out)["results"]
    assert 1 <= len(results) <= 3
    assert set(results[0]) >= {
        "chunk_id",
        "document",
        "title",
        "section",
        "text",
        "score",
    }
    assert results[0]["chunk_id"] == "faults.csv#1"
    assert results[0]["document"] == "faults.csv"


def test_stats_as_json_reports_version_and_size(capsys, data_dir: Path) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    code, out, _ = run(capsys, "kb", "stats", "--json")
    figures = json.loads(out)
    assert code == 0
    assert figures["documents"] == 5
    assert figures["version"] == 1
    assert figures["size_bytes"] > 0


def test_failed_file_exits_1_and_names_the_file(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "codes.csv"
    bad.write_text("name,price\nbolt,1\n", encoding="utf-8")
    code, out, _ = run(capsys, "kb", "ingest", str(bad))
    assert code == 1
    assert "codes.csv" in out
    assert "no code column" in out


def test_corrupt_database_gives_a_message_not_a_traceback(
    capsys, isolated_home: Path
) -> None:
    isolated_home.mkdir(parents=True)
    (isolated_home / "knowledge.db").write_bytes(b"garbage" * 500)
    code, out, err = run(capsys, "kb", "stats")
    assert code == exit_codes.DAMAGED
    assert out == ""
    assert "is damaged (it does not start with a SQLite header)" in err
    assert "'edge-agent sync' replaces it" in err
    assert "Traceback" not in err


def test_show_prints_a_cited_chunk(capsys, data_dir: Path) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    code, out, _ = run(capsys, "kb", "show", "faults.csv#1")
    assert code == 0
    assert "E-42: Low discharge pressure" in out
    code, _, err = run(capsys, "kb", "show", "faults.csv#99")
    assert code == 1
    assert "No chunk faults.csv#99" in err


def test_usage_error_exits_2(capsys) -> None:
    code, _, err = run(capsys, "kb", "search")
    assert code == 2
    assert "Missing argument" in err


def test_demo_loads_the_bundled_fleet_once(capsys) -> None:
    code, _, err = run(capsys, "demo", "--no-start")
    assert code == 0
    assert "added" in err
    code, _, err = run(capsys, "demo", "--no-start")
    assert "unchanged" in err
    assert "added" not in err
    code, out, _ = run(capsys, "kb", "stats", "--json")
    assert json.loads(out)["codes"] > 50
    from edge_agent.config import load_settings
    from edge_agent.jobs import read_job_book

    assert read_job_book(load_settings().layout.jobs_file).job("J-1001") is not None


def test_shell_answers_codes_exactly_and_questions_by_search(capsys, data_dir):
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    lines = iter(["e42", "how often to grease the bearings", "quit"])
    from edge_agent.llm import ModelLoader, ScriptedModel

    scripted = ScriptedModel(["Noisy bearings need grease every 2000 h [1]."])
    loader = ModelLoader(factory=lambda _path: scripted)
    settings = load_settings(explain_answers=True)
    run_shell(settings, read_line=lambda _prompt: next(lines), loader=loader)
    out = capsys.readouterr().out
    assert "E-42: Low discharge pressure  [faults.csv#1]" in out
    assert "2000 h" in out
    assert "Model explanation (checked against the sources):" in out
    assert len(scripted.prompts) == 1  # the code was answered without the model


def test_explanations_are_off_unless_the_setting_turns_them_on(
    capsys, data_dir
) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    lines = iter(["how often to grease the bearings", "quit"])
    from edge_agent.llm import ModelLoader, ScriptedModel

    scripted = ScriptedModel(["Noisy bearings need grease every 2000 h [1]."])
    loader = ModelLoader(factory=lambda _path: scripted)
    run_shell(load_settings(), read_line=lambda _prompt: next(lines), loader=loader)
    out = capsys.readouterr().out
    assert "Grease the bearings every 2000 h" in out  # the quote
    assert "Model explanation" not in out
    assert scripted.prompts == []  # the model was never asked


def test_shell_on_an_empty_kb_says_how_to_load_one(capsys) -> None:
    def end_of_input(_prompt: str) -> str:
        raise EOFError

    run_shell(load_settings(), read_line=end_of_input)
    assert "knowledge base is empty" in capsys.readouterr().out


def test_search_says_what_else_it_searched_and_literal_turns_it_off(
    capsys, data_dir: Path
) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    code, out, _ = run(capsys, "kb", "search", "impelller wear", "--json")
    assert code == 0
    payload = json.loads(out)
    assert any("impelller ->" in line for line in payload["also_searched"])
    assert payload["results"]
    code, out, _ = run(capsys, "kb", "search", "impelller", "--literal", "--json")
    assert json.loads(out) == {"results": [], "also_searched": [], "intent": None}


def test_search_says_how_it_read_the_question(capsys, data_dir: Path) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    _, out, _ = run(capsys, "kb", "search", "pump keeps tripping")
    assert out.startswith("Question read as a fault report")
    _, out, _ = run(capsys, "kb", "search", "need a new impeller", "--json")
    assert json.loads(out)["intent"] == "part"
    _, out, _ = run(capsys, "kb", "search", "E-42")
    assert not out.startswith("Question read")


def test_ask_names_the_listed_codes_close_to_an_absent_one(
    capsys, data_dir: Path
) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    code, out, _ = run(capsys, "ask", "E-43", "--no-model")
    assert code == 0
    assert "E-43 is not in the knowledge base." in out
    assert "Listed codes close to E-43 (other codes, not its meaning):" in out
    assert "E-42: Low discharge pressure" in out


def test_stats_list_learned_formats_and_why_one_is_not_used(
    capsys, tmp_path: Path
) -> None:
    rows = "".join(f"F{n:04d},Fault {n}\n" for n in range(1, 20))
    rows += "".join(f"{3000 + n},Alarm {n}\n" for n in range(1, 20))
    (tmp_path / "codes.csv").write_text("code,description\n" + rows, "utf-8")
    assert run(capsys, "kb", "ingest", str(tmp_path / "codes.csv"))[0] == 0

    code, out, _ = run(capsys, "kb", "stats")
    assert code == 0
    assert "F\\d{4}  e.g. F0001  (learned from 19 codes of codes.csv)" in out
    assert "not used: it has only digits" in out and "kb.toml" in out

    code, out, _ = run(capsys, "kb", "stats", "--json")
    formats = {f["pattern"]: f for f in json.loads(out)["code_formats"]}
    assert formats["F\\d{4}"]["in_use"] is True
    assert formats["\\d{4}"]["in_use"] is False
    assert "ordinary numbers" in formats["\\d{4}"]["why_not_used"]


def test_without_meaning_search_no_vectors_are_stored(capsys, data_dir: Path) -> None:
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    code, out, _ = run(capsys, "kb", "stats")
    assert code == 0 and "Vectors:   none (search by words only)" in out
    code, out, _ = run(capsys, "kb", "search", "pump seal leaking")
    assert code == 0 and "Search by meaning" not in out


def test_ingest_stores_chunk_vectors_and_stats_report_them(
    capsys, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_AGENT_MEANING_SEARCH", "true")
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    code, out, _ = run(capsys, "kb", "stats", "--json")
    vectors = json.loads(out)["vectors"]
    assert code == 0
    assert vectors["model"].startswith("wordllama")
    assert vectors["chunks_with_vectors"] == json.loads(out)["chunks"]
    code, out, _ = run(capsys, "kb", "stats")
    assert "Vectors:" in out and "wordllama" in out


def test_search_says_when_chunks_have_no_vectors(
    capsys, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDGE_AGENT_MEANING_SEARCH", "true")
    run(capsys, "kb", "ingest", str(data_dir / "kb"))
    # As a KB ingested before chunk vectors were stored.
    with closing(sqlite3.connect(load_settings().layout.knowledge_db)) as conn:
        conn.execute("DELETE FROM chunk_vectors")
        conn.commit()
    code, out, _ = run(capsys, "kb", "search", "pump seal leaking")
    assert code == 0
    assert "Search by meaning is off" in out
    code, out, _ = run(capsys, "kb", "search", "pump seal leaking", "--json")
    assert json.loads(out)["chunks_without_vectors"] > 0
