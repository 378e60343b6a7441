"""At push the centre checks each action against the knowledge base it
publishes now: a part gone from the catalogue, a price moved beyond the
policy's tolerance, or a cited document withdrawn holds the action for review
with the change named. A real SQLite centre publishing real KB versions."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from policies.defaults import SOURCE_DIR
from sync.server.kb_check import KbNow, part_problems, withdrawn_problems
from sync.server.parts_catalogue import CataloguePart, read_catalogue
from tests.sync.server.support import (
    REPAIR,
    SMALL_ORDER,
    FieldDevice,
    Harness,
)

PART = "4471-A20-339"
ORDER = {**SMALL_ORDER, "currency": "EUR"}
"""Two parts at 10.00 EUR, as the device priced them from its catalogue."""


@pytest.fixture
def device(centre: Harness) -> FieldDevice:
    return centre.enrol()


def publish_kb(
    centre: Harness, tmp_path: Path, files: dict[str, str], name: str
) -> int:
    folder = tmp_path / name
    for document, text in files.items():
        (folder / document).parent.mkdir(parents=True, exist_ok=True)
        (folder / document).write_text(text, encoding="utf-8")
    return centre.publisher.publish_kb(folder, actor="office").version


def catalogue(price: str = "10.00", part: str = PART) -> str:
    return f"part_number,description,unit_price,currency\n{part},Seal,{price},EUR\n"


def results(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r["reason"]) for r in response.json()["results"]]


def test_an_order_at_the_catalogue_price_is_applied(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, {"parts.csv": catalogue()}, "v1")
    device.record("order_part", ORDER)
    [(status, reason)] = results(device.push())
    assert status == "applied", reason


def test_a_price_changed_meanwhile_holds_the_order_with_both_prices(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, {"parts.csv": catalogue()}, "v1")
    device.record("order_part", ORDER)  # priced offline from the old catalogue
    version = publish_kb(centre, tmp_path, {"parts.csv": catalogue("11.20")}, "v2")
    [(status, reason)] = results(device.push())
    assert status == "quarantined"
    assert (
        f"Changed since the device decided: part {PART} costs 11.20 EUR in KB "
        f"v{version}, 10.00 EUR when proposed." in reason
    )
    assert [a.tool for a in centre.services.review.pending()] == ["order_part"]


def test_a_price_within_the_policy_tolerance_is_applied(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    sources = tmp_path / "policy"
    shutil.copytree(SOURCE_DIR, sources)
    (sources / "freshness.toml").write_text("[freshness]\nprice_tolerance = 0.15\n")
    centre.publisher.publish_policy_dir(
        sources, expires_in=timedelta(days=30), actor="office"
    )
    publish_kb(centre, tmp_path, {"parts.csv": catalogue("11.20")}, "v1")
    device.record("order_part", ORDER)  # 10.00 is within 15% of 11.20
    device.record("order_part", {**ORDER, "unit_price": 9.0})  # 9.00 is not
    [(first, _), (second, reason)] = results(device.push())
    assert first == "applied"
    assert second == "quarantined"
    assert "9.00 EUR when proposed (beyond the policy's 15% tolerance)" in reason


def test_a_part_dropped_from_the_catalogue_holds_the_order(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    publish_kb(centre, tmp_path, {"parts.csv": catalogue()}, "v1")
    device.record("order_part", ORDER)
    version = publish_kb(
        centre, tmp_path, {"parts.csv": catalogue(part="4471-A20-340")}, "v2"
    )
    [(status, reason)] = results(device.push())
    assert status == "quarantined"
    assert f"part {PART} is no longer in the catalogue of KB v{version}" in reason


def test_an_action_citing_a_withdrawn_document_is_held_naming_it(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    manual = "# Old pump\n\nE-42: replace the seal.\n"
    both = {"manuals/old-pump.md": manual, "parts.csv": catalogue()}
    publish_kb(centre, tmp_path, both, "v1")
    cites = {"fault_code_chunk": "manuals/old-pump.md#1"}
    device.record("record_repair", REPAIR, evidence=cites)
    centre.clock.advance(timedelta(days=1))
    withdrawn = publish_kb(centre, tmp_path, {"parts.csv": catalogue()}, "v2")
    publish_kb(centre, tmp_path, {"parts.csv": catalogue(), "new.md": "# New"}, "v3")
    [(status, reason)] = results(device.push())
    assert status == "quarantined"
    assert (
        "Changed since the device decided: it cites manuals/old-pump.md, withdrawn "
        f"by the centre in KB v{withdrawn} of 2026-03-03." in reason
    )


def test_a_document_published_again_is_no_longer_withdrawn(
    centre: Harness, device: FieldDevice, tmp_path: Path
) -> None:
    manual = {"manuals/old-pump.md": "# Old pump\n\nE-42: replace the seal.\n"}
    publish_kb(centre, tmp_path, manual, "v1")
    publish_kb(centre, tmp_path, {"other.md": "# Other"}, "v2")
    publish_kb(centre, tmp_path, manual, "v3")
    device.record(
        "record_repair", REPAIR, evidence={"fault_code_chunk": "manuals/old-pump.md#1"}
    )
    [(status, reason)] = results(device.push())
    assert status == "applied", reason


def test_without_a_kb_or_a_parts_table_at_the_centre_nothing_is_compared() -> None:
    assert part_problems("order_part", ORDER, KbNow()) == []
    assert part_problems("order_part", ORDER, KbNow(4, parts=None)) == []
    assert withdrawn_problems({"catalogue_chunk": "parts.csv#1"}, KbNow(4)) == []


def test_an_unpriced_order_of_a_part_now_priced_is_held() -> None:
    parts = {"4471A20339": CataloguePart(PART, 10.0, "EUR", "parts.csv")}
    unpriced = {"part_number": PART, "quantity": 1}
    assert part_problems("order_part", unpriced, KbNow(4, parts)) == [
        f"part {PART} costs 10.00 EUR in KB v4, no price when proposed"
    ]
    other_currency = {**ORDER, "currency": "USD"}
    assert part_problems("order_part", other_currency, KbNow(4, parts)) == [
        f"part {PART} costs 10.00 EUR in KB v4, 10.00 USD when proposed"
    ]


def test_the_catalogue_is_read_as_the_device_reads_code_tables() -> None:
    files = {
        "tables/parts.csv": b"Part No.;Description;Unit Price;Currency\n"
        b"4471-a20 339;Seal;9.8;EUR\n4471-A20-339;Twice;1;EUR\n",
        "tables/codes.csv": b"code,meaning\nE-42,Leak\n",
        "manual.md": b"# Not a table",
    }
    parts = read_catalogue(files)
    assert parts == {
        "4471A20339": CataloguePart("4471-a20 339", 9.8, "EUR", "tables/parts.csv")
    }
    assert read_catalogue({"tables/codes.csv": b"code,meaning\nE-42,Leak\n"}) is None
