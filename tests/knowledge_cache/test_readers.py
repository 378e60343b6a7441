from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_cache import CodeKind, DocumentKind, IngestError
from knowledge_cache.readers import read_document
from knowledge_cache.readers.chunking import split_text


def test_markdown_chunks_carry_their_heading_path(data_dir: Path) -> None:
    parsed = read_document("m.md", (data_dir / "kb" / "pump-manual.md").read_bytes())
    assert parsed.title == "HP-300 Pump Manual"
    assert parsed.kind is DocumentKind.MARKDOWN
    sections = [chunk.section for chunk in parsed.chunks]
    assert ("Troubleshooting", "Low discharge pressure") in sections
    assert ("Troubleshooting", "Noisy bearings") in sections
    assert () in sections  # the introduction before the first section


def test_markdown_headings_inside_code_fences_are_text(data_dir: Path) -> None:
    parsed = read_document("m.md", (data_dir / "kb" / "pump-manual.md").read_bytes())
    bearing = [c for c in parsed.chunks if c.section[-1:] == ("Noisy bearings",)]
    assert "not a heading" in bearing[0].text
    assert all("not a heading" not in part for c in parsed.chunks for part in c.section)


def test_pdf_chunks_record_page_and_numbered_heading(data_dir: Path) -> None:
    parsed = read_document(
        "g.pdf", (data_dir / "kb" / "generator-guide.pdf").read_bytes()
    )
    assert parsed.kind is DocumentKind.PDF
    by_section = {chunk.section: chunk for chunk in parsed.chunks}
    low_oil = by_section[("2 Troubleshooting", "2.1 Fault G-305 Low oil pressure")]
    assert low_oil.page == 1
    assert "dipstick" in low_oil.text
    coolant = by_section[
        ("2 Troubleshooting", "2.2 Fault G-310 High coolant temperature")
    ]
    assert coolant.page == 2


def test_csv_rows_become_chunks_and_registered_codes(data_dir: Path) -> None:
    parsed = read_document("faults.csv", (data_dir / "kb" / "faults.csv").read_bytes())
    assert parsed.kind is DocumentKind.TABLE
    first = parsed.chunks[0]
    assert first.code_row is not None
    assert first.code_row.code == "E-42"
    assert first.code_row.kind is CodeKind.FAULT_CODE
    assert first.code_row.description == "Low discharge pressure"
    assert first.text.startswith("E-42: Low discharge pressure")
    assert first.section == ("E-42",)


def test_csv_with_semicolons_and_part_number_column(data_dir: Path) -> None:
    parsed = read_document("parts.csv", (data_dir / "kb" / "parts.csv").read_bytes())
    row = parsed.chunks[0].code_row
    assert row is not None
    assert row.kind is CodeKind.PART_NUMBER
    assert row.attributes["unit_price"] == "742.50"


def test_csv_duplicate_and_empty_codes_are_skipped_with_warnings() -> None:
    data = b"code,description\nE-1,One\n,Nothing\ne1,Same code other spelling\n"
    parsed = read_document("t.csv", data)
    assert [c.code_row.code for c in parsed.chunks if c.code_row] == ["E-1"]
    assert len(parsed.warnings) == 2
    assert "line 3" in parsed.warnings[0]


def test_csv_without_code_column_names_the_accepted_columns() -> None:
    with pytest.raises(IngestError, match="no code column.*part_number"):
        read_document("t.csv", b"name,price\nbolt,1.00\n")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.md", b"", "is empty"),
        ("blank.txt", b"  \n\n ", "is empty"),
        ("binary.txt", b"abc\x00\x01\x02", "binary"),
        ("latin.md", "caf\u00e9".encode("latin-1"), "not UTF-8"),
        ("image.png", b"\x89PNG\r\n", "unsupported type"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    name: str, data: bytes, message: str
) -> None:
    with pytest.raises(IngestError, match=message):
        read_document(name, data)


def test_split_text_bounds_every_chunk_and_keeps_all_words() -> None:
    paragraphs = [" ".join(f"w{p}x{i}." for i in range(40)) for p in range(30)]
    text = "\n\n".join(paragraphs) + "\n\n" + "z" * 3000
    pieces = list(split_text(text, limit=300))
    assert all(len(piece) <= 300 for piece in pieces)
    assert " ".join(pieces).split() != []
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(
        " ", ""
    ).replace("\n", "")


def test_pdf_running_headers_and_page_numbers_are_not_content() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number, body in enumerate(
        ["Check the oil.", "Bleed the fuel.", "Fit the cap."], 1
    ):
        pdf.add_page()
        for line in ["Acme Guide - Service Manual", body, f"Page {number} of 3"]:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    parsed = read_document("g.pdf", bytes(pdf.output()))
    texts = " ".join(chunk.text for chunk in parsed.chunks)
    assert "Bleed the fuel." in texts
    assert "Acme Guide" not in texts
    assert "Page 2 of 3" not in texts


def test_csv_codes_differing_only_by_a_separator_between_numbers_are_both_kept() -> (
    None
):
    data = b"code,description\n2.1,Voltage low\n21,Contactor welded\n2-1,Again\n"
    parsed = read_document("t.csv", data)
    assert [c.code_row.code for c in parsed.chunks if c.code_row] == ["2.1", "21"]
    assert parsed.warnings == (
        "line 3: code 21 differs from 2.1 only by separators; each is looked up "
        "by its own spelling",
        "line 4: duplicate code 2-1; skipped",
    )


GROUPED_TABLE = """code,description
0x3000,Voltage
0x3100,Mains voltage
0x3210,DC link over-voltage
0x3220,DC link under-voltage
0x4000,Temperature
0x4210,Excess temperature device
0x4310,Drive too hot
0x8100,Communication
0x8110,CAN overrun
0x8120,CAN error passive
0x9000,External error
"""


def test_rows_of_a_numbered_group_carry_its_one_word_heading() -> None:
    parsed = read_document(Path("emcy.csv"), GROUPED_TABLE.encode())
    sections = {c.code_row.code: c.section for c in parsed.chunks if c.code_row}
    assert sections["0x3210"] == ("Voltage", "0x3210")
    assert sections["0x3100"] == ("Voltage", "0x3100")
    assert sections["0x4310"] == ("Temperature", "0x4310")
    assert sections["0x8110"] == ("Communication", "0x8110")
    # A heading keeps its own row as it is; texts stay the table's own.
    assert sections["0x3000"] == ("0x3000",)
    assert sections["0x9000"] == ("0x9000",)
    assert parsed.chunks[2].text == "0x3210: DC link over-voltage"


@pytest.mark.parametrize(
    "table",
    [
        # Round codes with fault texts are faults, not headings.
        "code,description\n5200,Low flow in the brine circuit\n5210,Brine too cold\n"
        "5220,Brine too warm\n",
        # A heading needs two codes of its group.
        "code,description\n3000,Voltage\n3210,Over-voltage\n4210,Too hot\n",
        # A group's codes are as long as its heading's: 1010 is not under 100.
        "code,description\n100,Voltage\n1010,Over-voltage\n1020,Under-voltage\n",
    ],
)
def test_tables_without_numbered_groups_keep_their_rows_as_they_are(
    table: str,
) -> None:
    parsed = read_document(Path("faults.csv"), table.encode())
    assert all(len(c.section) == 1 for c in parsed.chunks)


def test_a_terse_row_is_found_by_its_group_heading(store, tmp_path: Path) -> None:
    (tmp_path / "emcy.csv").write_text(GROUPED_TABLE, encoding="utf-8")
    assert not store.ingest([tmp_path]).failed
    # "Drive too hot" says nothing of temperature; its group's heading does.
    hits = store.search("temperature too hot")
    assert hits[0].chunk.section == "Temperature > 0x4310"


def test_a_parts_catalogue_has_no_group_headings() -> None:
    data = (
        b"part_number,description\n4471-A20-300,Gasket\n4471-A20-310,Seal kit\n"
        b"4471-A20-320,Bearing\n"
    )
    parsed = read_document(Path("parts.csv"), data)
    assert [c.section for c in parsed.chunks] == [
        ("4471-A20-300",),
        ("4471-A20-310",),
        ("4471-A20-320",),
    ]
