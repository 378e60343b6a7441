"""The action, do and trace commands, on a real home with the demo fleet."""

from __future__ import annotations

import io
import json
import sys

import pytest

from edge_agent.__main__ import main

GASKETS = '{"part_number": "4471-G10-131", "quantity": 2, "job_id": "J-1001"}'


@pytest.fixture
def demo_home(capsys):
    """A home with the demo KB and job list loaded (and the demo policy)."""
    assert main(["demo", "--no-start"]) == 0
    capsys.readouterr()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_action_by_hand_is_decided_confirmed_and_queued(demo_home, capsys) -> None:
    code, out, _ = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS, "--yes", "--json"
    )
    assert code == 0
    action = json.loads(out)
    assert action["state"] == "queued"
    assert action["decision"]["outcome"] == "confirm"
    assert action["confirmation"]["payload_hash"] == action["payload_hash"]
    code, out, _ = run(capsys, "actions", "list", "--json")
    assert [a["key"] for a in json.loads(out)] == [action["key"]]
    code, out, _ = run(capsys, "actions", "show", "1")
    assert "confirmed: by technician" in out
    assert "-> queued" in out


def test_without_a_terminal_the_proposal_waits_for_confirmation(demo_home, capsys):
    code, out, err = run(capsys, "actions", "create", "order_part", "--args", GASKETS)
    assert code == 0
    assert "Decision: CONFIRM" in out
    assert "edge-agent actions confirm 1" in err
    (kept,) = json.loads(run(capsys, "actions", "list", "--json")[1])
    assert kept["state"] == "proposed"
    assert kept["confirmation"] is None
    code, out, _ = run(capsys, "actions", "confirm", "1", "--yes", "--json")
    assert code == 0
    queued = json.loads(out)
    assert queued["state"] == "queued"
    assert queued["payload_hash"] == kept["payload_hash"]
    assert queued["confirmation"]["payload_hash"] == kept["payload_hash"]
    states = {
        a["seq"]: a["state"]
        for a in json.loads(run(capsys, "actions", "list", "--json")[1])
    }
    assert states == {1: "cancelled", 2: "queued"}
    code, _, err = run(capsys, "actions", "confirm", "1")
    assert code == 1
    assert "not waiting for confirmation" in err


def test_a_denied_action_is_recorded_and_explained(demo_home, capsys) -> None:
    code, out, _ = run(
        capsys,
        "actions",
        "create",
        "order_part",
        "--args",
        '{"part_number": "4471-A20-339", "quantity": 40}',
    )
    assert code == 0
    assert "Decision: DENY" in out
    assert "placed by the depot" in out
    assert "denied" in run(capsys, "actions", "list")[1]


def test_invalid_arguments_give_a_clear_error(demo_home, capsys) -> None:
    code, _, err = run(
        capsys,
        "actions",
        "create",
        "order_part",
        "--args",
        '{"part_number": "9999-Z99-999", "quantity": 1}',
    )
    assert code == 1
    assert "not in the parts catalogue" in err
    code, _, err = run(capsys, "actions", "create", "order_part", "--args", "{oops")
    assert code == 2
    assert "--args" in err


def test_cancel_withdraws_a_queued_action(demo_home, capsys) -> None:
    run(capsys, "actions", "create", "order_part", "--args", GASKETS, "--yes")
    code, out, _ = run(capsys, "actions", "cancel", "1")
    assert code == 0
    assert (
        json.loads(run(capsys, "actions", "list", "--json")[1])[0]["state"]
        == "cancelled"
    )
    code, _, err = run(capsys, "actions", "cancel", "1")
    assert code == 1


def test_traces_are_listed_shown_and_exported_as_otlp(demo_home, capsys, tmp_path):
    run(capsys, "actions", "create", "order_part", "--args", GASKETS, "--yes")
    run(capsys, "ask", "E-42", "--no-model")
    code, out, _ = run(capsys, "trace", "list", "--json")
    traces = json.loads(out)
    assert {t["name"] for t in traces} == {"propose", "ask"}
    (ask,) = [t for t in traces if t["name"] == "ask"]
    code, out, _ = run(capsys, "trace", "show", ask["trace_id"], "--json")
    assert '"edge.answer.route": "code_lookup"' in out
    code, out, _ = run(capsys, "trace", "show", traces[0]["trace_id"])
    assert "invoke_agent" in out
    target = tmp_path / "traces.json"
    assert run(capsys, "trace", "export", "--otlp", str(target))[0] == 0
    spans = json.loads(target.read_text())["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert {"edge.policy.decision", "edge.retrieval"} <= {s["name"] for s in spans}


@pytest.mark.llm
def test_do_turns_a_request_into_a_decided_action_or_says_why_not(demo_home, capsys):
    code, out, err = run(
        capsys,
        "do",
        "order two strainer cover gaskets 4471-G10-131",
        "--job",
        "J-1001",
        "--json",
        "--yes",
    )
    assert code in (0, 1)
    if code == 0:
        action = json.loads(out)
        # Every argument is written in the request: rules read it, not the model.
        assert action["evidence"]["proposed_by"] == "rules"
        assert action["decision"]["outcome"] in {"allow", "confirm", "approve", "deny"}
    else:
        assert "No action proposed" in err
    assert "Traceback" not in err
    names = [t["name"] for t in json.loads(run(capsys, "trace", "list", "--json")[1])]
    assert names == ["propose"]


def test_do_reads_a_plain_request_by_rules_without_loading_the_model(
    demo_home, capsys
) -> None:
    code, out, err = run(
        capsys, "do", "order two gaskets 4471-G10-131", "--no-model", "--json", "--yes"
    )

    assert code == 0, err
    action = json.loads(out)
    assert action["tool"] == "order_part"
    assert action["payload"]["args"]["quantity"] == 2
    assert action["payload"]["args"]["part_number"] == "4471-G10-131"
    assert action["evidence"]["proposed_by"] == "rules"


def test_do_says_what_rules_could_not_read_when_told_not_to_use_the_model(
    demo_home, capsys
) -> None:
    code, _, err = run(capsys, "do", "sort it out please", "--no-model", "--yes")

    assert code == 1
    assert "No action proposed" in err and "no local model to ask" in err


class Terminal(io.StringIO):
    """A standard input that is a terminal, with the technician's answers.

    Why: confirming asks only on a terminal; the test types the answer.
    """

    def isatty(self) -> bool:
        return True


def kept_states(capsys) -> dict[int, str]:
    listed = json.loads(run(capsys, "actions", "list", "--json")[1])
    return {a["seq"]: a["state"] for a in listed}


def test_confirming_a_kept_action_without_a_terminal_needs_yes(demo_home, capsys):
    assert run(capsys, "actions", "create", "order_part", "--args", GASKETS)[0] == 0

    code, out, err = run(capsys, "actions", "confirm", "1")
    assert code == 1
    assert "no terminal to ask on" in err
    assert "edge-agent actions confirm 1 --yes" in err
    assert kept_states(capsys) == {1: "proposed"}

    code, out, _ = run(capsys, "actions", "confirm", "1", "--yes")
    assert code == 0
    assert out.strip() == "Recorded as action 2: queued."


def test_confirming_on_a_terminal_shows_the_action_and_asks(
    demo_home, capsys, monkeypatch
) -> None:
    assert run(capsys, "actions", "create", "order_part", "--args", GASKETS)[0] == 0

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    code, out, err = run(capsys, "actions", "confirm", "1")
    assert code == 1
    assert '"part_number": "4471-G10-131"' in out
    assert "Decision: CONFIRM (policy version 1)" in out
    assert "Confirm this exact action as technician?" in out
    assert "Not confirmed: action 1 still waits." in err
    assert kept_states(capsys) == {1: "proposed"}

    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    code, out, _ = run(capsys, "actions", "confirm", "1")
    assert code == 0
    assert out.rstrip().endswith("Recorded as action 2: queued.")
    assert kept_states(capsys) == {1: "cancelled", 2: "queued"}


def create(capsys, *extra: str) -> tuple[int, dict, str]:
    code, out, err = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS, "--json", *extra
    )
    return code, json.loads(out) if out.strip() else {}, err


def seqs(capsys) -> list[int]:
    return [a["seq"] for a in json.loads(run(capsys, "actions", "list", "--json")[1])]


def test_a_create_run_again_with_its_key_prints_the_first_action(
    demo_home, capsys
) -> None:
    code, first, _ = create(capsys, "--yes", "--idempotency-key", "order-17")
    assert code == 0 and first["already_recorded"] is False

    # As after a create killed once its action was committed, before it printed.
    code, again, err = create(capsys, "--yes", "--idempotency-key", "order-17")

    assert code == 0 and again["already_recorded"] is True
    assert (again["key"], again["seq"], again["decision"]) == (
        first["key"],
        first["seq"],
        first["decision"],
    )
    assert "(key order-17) was recorded as action 1" in err
    assert "nothing new was recorded" in err
    assert seqs(capsys) == [1]
    code, out, _ = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS,
        "--idempotency-key", "order-17",
    )  # fmt: skip
    assert code == 0 and "Decision: CONFIRM" in out and "action 1: queued" in out


def test_a_key_used_for_another_request_is_refused(demo_home, capsys) -> None:
    create(capsys, "--yes", "--idempotency-key", "order-17")
    other = GASKETS.replace('"quantity": 2', '"quantity": 5')

    code, out, err = run(
        capsys, "actions", "create", "order_part", "--args", other,
        "--yes", "--idempotency-key", "order-17",
    )  # fmt: skip

    assert code == 1 and out == ""
    assert "was used for another request (action 1)" in err
    assert seqs(capsys) == [1]


def test_without_a_key_an_identical_create_is_taken_as_a_retry(
    demo_home, capsys
) -> None:
    _, first, _ = create(capsys, "--yes")

    code, again, err = create(capsys, "--yes")

    assert code == 0 and again["already_recorded"] and again["seq"] == first["seq"]
    assert "An identical request was recorded as action 1" in err
    assert "less than 10 minutes ago" in err and "add --again" in err
    code, second, _ = create(capsys, "--yes", "--again")
    assert code == 0 and second["seq"] == 2 and not second["already_recorded"]
    assert seqs(capsys) == [2, 1]


def test_a_kept_proposal_is_found_again_and_so_is_its_end(demo_home, capsys) -> None:
    code, kept, err = create(capsys, "--idempotency-key", "order-17")
    assert kept["state"] == "proposed" and "waiting for your confirmation" in err
    _, again, _ = create(capsys, "--idempotency-key", "order-17")
    assert (again["seq"], again["state"]) == (1, "proposed")
    run(capsys, "actions", "confirm", "1", "--yes")

    _, after, _ = create(capsys, "--idempotency-key", "order-17")

    assert (after["seq"], after["state"]) == (1, "cancelled")
    assert after["state_reason"] == "confirmed and recorded as action 2"
    assert seqs(capsys) == [2, 1]


def test_again_and_a_key_exclude_each_other(demo_home, capsys) -> None:
    code, _, err = run(
        capsys, "actions", "create", "order_part", "--args", GASKETS,
        "--again", "--idempotency-key", "k",
    )  # fmt: skip
    assert code == 2 and "exclude each other" in err
    assert seqs(capsys) == []


def test_the_help_of_create_explains_retries(capsys) -> None:
    code, out, _ = run(capsys, "actions", "create", "--help")
    assert code == 0
    assert "--idempotency-key KEY" in out and "--again" in out
    assert "last 10 minutes" in " ".join(out.split())
