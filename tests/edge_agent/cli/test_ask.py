"""``edge-agent ask``: what it refuses before answering."""

from __future__ import annotations

import pytest

from edge_agent import exit_codes
from edge_agent.__main__ import main


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_a_blank_question_is_a_usage_error(question: str, capsys) -> None:
    assert main(["demo", "--no-start"]) == 0
    capsys.readouterr()

    code = main(["ask", question, "--no-model"])

    out, err = capsys.readouterr()
    assert code == exit_codes.CONFIG == 2
    assert out == ""
    assert "Invalid value for QUESTION: is empty" in err
    assert "Usage: edge-agent ask" in err
