"""The customer set's fault codes from any evaluation table (``--table``):
each table's hand-declared format, its codes shown after a word or bare among
readings that are not codes, and the default table drawn as before."""

from __future__ import annotations

import json
import random
import re
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from tests.benchmarks import bench_ocr
from tests.ocr_eval import customer, customer_pools, customer_tables, generate
from tests.ocr_eval.scenes import Item

PLAIN_TABLES = sorted(set(customer_tables.TABLES) - {customer_tables.DEFAULT_TABLE})


def _fault_items(table: str, count: int) -> list[Item]:
    """Screens and repair tags of ``table``'s codes, a third with an unlisted
    code, drawn without rendering a photo."""
    pools = customer_pools.customer_pools(7, table)
    items = []
    for index in range(count):
        rng = random.Random(f"{table}:{index}")
        scene = ("screen", "multi")[index % 2]
        items += customer.items(rng, pools, scene, unknown=index % 3 == 0)
    return [item for item in items if any(k == "fault_code" for k, _ in item.codes)]


def test_every_evaluation_table_declares_a_format_all_its_codes_fit() -> None:
    """As the table spells them, or in capitals as the reader reports them."""
    assert customer_tables.tables() == sorted(customer_tables.TABLES)
    for name in customer_tables.tables():
        table = customer_tables.fault_table(name)
        assert len(table.codes) > 20, name
        misfits = [
            code
            for code in table.codes
            if not any(
                re.fullmatch(table.spec.pattern, spelled)
                for spelled in (code, customer_pools.spelling(code))
            )
        ]
        assert misfits == [], name
        assert table.spec.example in table.codes


def test_an_unknown_table_is_refused_with_the_tables_there_are() -> None:
    with pytest.raises(ValueError, match="choose one of .*dmc-forklift"):
        customer_tables.fault_table("no-such-table")
    with pytest.raises(ValueError, match="no code table"):
        customer_tables.fault_table("../eval_kbs/dmc-forklift")


@pytest.mark.parametrize("table", PLAIN_TABLES)
def test_unlisted_faults_keep_the_tables_shape(table: str) -> None:
    pools = customer_pools.customer_pools(3, table)
    pattern = customer_tables.fault_table(table).spec.pattern
    rng = random.Random(table)

    drawn = [pools.unknown_fault(rng) for _ in range(40)]

    assert all(re.fullmatch(pattern, code) for code in drawn), drawn
    assert not any(pools.known("fault_code", code) for code in drawn)


@pytest.mark.parametrize("table", PLAIN_TABLES)
def test_a_tables_codes_are_shown_after_a_word_and_bare_among_other_numbers(
    table: str,
) -> None:
    pattern = re.compile(customer_tables.fault_table(table).spec.pattern, re.IGNORECASE)
    shown, listed, unlisted, other_numbers = set(), 0, 0, 0

    for item in _fault_items(table, 12):
        faults = [v for k, v in item.codes if k == "fault_code"]
        for code in faults:
            shown.add(customer.shown(item, code))
            known = code in customer_tables.fault_table(table).codes
            listed, unlisted = listed + known, unlisted + (not known)
        numbers = re.findall(r"0x[0-9A-F]+|\d+(?:\.\d+)?", " ".join(item.texts))
        other_numbers += sum(
            bool(pattern.fullmatch(n)) and n not in faults for n in numbers
        )

    assert "bare" in shown
    assert shown & {"cued", "beside", "above"}
    assert listed > unlisted > 0
    assert other_numbers > 0  # readings in the codes' own shape, not codes


def test_how_a_code_was_printed_is_read_from_the_items_rows() -> None:
    rows = [
        "SUPERSIGMA2 TRACTION",
        "ERROR 13.2  BATTERY LOW",
        "FAULT  2.1",
        "ALARM",
        "19  MOTOR STALLED",
        "7.4  DESCRIPTION",
        "BATT 24.5 V",
    ]
    item = Item(
        Image.new("RGB", (4, 4)),
        texts=rows,
        rows=[(float(i), i + 1.0, 1.0) for i in range(len(rows))],
    )

    assert customer.shown(item, "13.2") == "cued"
    assert customer.shown(item, "2.1") == "beside"
    assert customer.shown(item, "19") == "above"
    assert customer.shown(item, "7.4") == "bare"
    with pytest.raises(ValueError, match="not printed"):
        customer.shown(item, "24.5")


def test_the_declared_kb_toml_carries_the_tables_own_format() -> None:
    for name in customer_tables.tables():
        data = tomllib.loads(customer_pools.declared_toml(name))

        faults = [f for f in data["code_formats"] if f["kind"] == "fault_code"]
        assert [f["pattern"] for f in faults] == [customer_tables.TABLES[name].pattern]
    assert r"\d{3}" in customer_pools.declared_toml("fronius-inverter")


DEFAULT_DRAWN = [
    [("fault_code", "ERR 170")],
    [
        ("part_number", "ATV320U55N4C"),
        ("serial_number", "HQ2122FAVAL"),
        ("part_number", "6309-2RSL/C3"),
        ("serial_number", "86215792"),
        ("fault_code", "ERR 215"),
        ("serial_number", "HQ1905NFUCA"),
    ],
    [("fault_code", "Err 50"), ("fault_code", "Err 36")],
    [("part_number", "E2E-X2MF1"), ("fault_code", "Err 86")],
]
"""What the customer set drew for seed 5 (screen, multi) before ``--table``."""


def test_the_default_table_is_drawn_as_before() -> None:
    pools = customer_pools.customer_pools(5)
    drawn = []
    for index in range(4):
        rng = random.Random(f"5:{index}")
        scene = ("screen", "multi")[index % 2]
        items = customer.items(rng, pools, scene, unknown=True)
        drawn.append([code for item in items for code in item.codes])

    assert drawn == DEFAULT_DRAWN
    assert pools == customer_pools.customer_pools(5, customer_tables.DEFAULT_TABLE)


@pytest.mark.slow
@pytest.mark.parametrize("table", ["canopen-drives", "fronius-inverter"])
def test_the_set_renders_a_tables_codes_with_its_tables_and_truth(
    table: str, tmp_path: Path
) -> None:
    """Renders, never reads: fronius-inverter is the sealed table."""
    truths = generate.generate(
        tmp_path,
        count=3,
        seed=4,
        clean=True,
        scenes=("screen",),
        kb="customer",
        table=table,
    )

    spec = customer_tables.fault_table(table).spec
    faults = [c for t in truths for c in t.codes if c.kind == "fault_code"]
    assert faults and all(re.fullmatch(spec.pattern, c.value) for c in faults)
    assert all(c.shown in {"cued", "beside", "above", "bare"} for c in faults)
    assert any(c.known for c in faults)
    csvs = sorted(p.name for p in customer_tables.fault_table(table).files)
    kb = sorted(p.name for p in (tmp_path / customer_pools.KB_FOLDER).iterdir())
    assert kb == sorted([*csvs, "assets.csv", "parts.csv"])  # no kb.toml
    payload = json.loads((tmp_path / generate.TRUTH_FILE).read_text("utf-8"))
    assert (payload["kb"], payload["table"]) == ("customer", table)
    assert generate.load_truth(tmp_path) == truths


def test_a_bad_table_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no code table"):
        generate.generate(tmp_path / "out", kb="customer", table="nope")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kb", "customer", "--table", "nope"], "choose one of"),
        (["--table", "dmc-forklift"], "--table is for --kb customer"),
    ],
)
def test_the_table_option_is_checked_with_a_usage_error(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for main in (
        lambda: generate.main([str(tmp_path / "out"), *argv]),
        lambda: bench_ocr.main(argv),
    ):
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_benchmark_takes_the_default_table_unless_told() -> None:
    assert bench_ocr._parse(["--kb", "customer"]).table == customer_tables.DEFAULT_TABLE
    chosen = bench_ocr._parse(["--kb", "customer", "--table", "canopen-drives"])
    assert chosen.table == "canopen-drives"
