"""Codes in a question: common spellings and typing slips, read by format."""

from __future__ import annotations

import pytest

from knowledge_cache import CodeFormat, CodeKind, KnowledgeStore
from knowledge_cache.format_matching import FormatSet
from knowledge_cache.intent import default_cues
from knowledge_cache.question_codes import CuedFormats, codes_in_question, cue_pattern

FORMATS = FormatSet(
    [
        CodeFormat(CodeKind.FAULT_CODE, r"(?:E-\d{2}|[CG]-\d{3})", "E-42", ""),
        CodeFormat(CodeKind.PART_NUMBER, r"\d{4}-[A-Z]\d{2}-\d{3}", "4471-A20-339", ""),
        CodeFormat(CodeKind.SERIAL_NUMBER, r"(?:HFP|PGD)-\d{6}", "HFP-204518", ""),
    ]
)


def values(question: str) -> list[str]:
    return [code.value for code in codes_in_question(question, FORMATS)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("e42", ["E-42"]),
        ("pump threw E-30 again", ["E-30"]),
        ("c 117 on the compressor", ["C-117"]),
        ("genset tripped on G305", ["G-305"]),
        ("what's E.30 mean", ["E-30"]),
        ("4471 w20 105 price", ["4471-W20-105"]),
        ("serial hfp 204518", ["HFP-204518"]),
    ],
)
def test_common_spellings_read_as_the_format_spells_them(
    question: str, expected: list[str]
) -> None:
    assert values(question) == expected


@pytest.mark.parametrize(
    ("question", "expected", "fixed"),
    [
        ("C-l17 tripped", "C-117", "l"),
        ("E-4O what now", "E-40", "O"),
        ("G-3O5 on the genny", "G-305", "O"),
        ("4471-W2O-1O5", "4471-W20-105", "O"),
    ],
)
def test_look_alike_letters_become_digits_where_the_format_needs_one(
    question: str, expected: str, fixed: str
) -> None:
    (code,) = codes_in_question(question, FORMATS)
    assert code.value == expected
    assert {fix.read for fix in code.fixes} == {fixed}
    assert "needs a digit" in code.corrected


def test_several_codes_are_each_read_in_order() -> None:
    assert values("got E-10 and e 12, then c-117 after restart") == [
        "E-10",
        "E-12",
        "C-117",
    ]


def test_a_code_inside_a_part_number_is_not_read_on_its_own() -> None:
    assert values("need 6630-E20-403") == ["6630-E20-403"]


@pytest.mark.parametrize(
    "question",
    [
        "second stage at 10 bar",
        "E42x is not a code",
        "the SOS light",
        "lot 2023-05-24",
        "E-O42",  # three characters after E: no format has that shape
    ],
)
def test_text_that_is_not_a_code_reads_as_none(question: str) -> None:
    assert values(question) == []


def test_the_store_looks_each_reading_up_and_keeps_absent_codes(
    loaded_store: KnowledgeStore,
) -> None:
    readings = loaded_store.read_codes("E-42 then E-43 and E-O8")
    assert [(r.code.value, r.known) for r in readings] == [
        ("E-42", True),
        ("E-43", False),
        ("E-08", True),
    ]
    assert readings[0].entries[0].description == "Low discharge pressure"


def test_an_absent_code_is_offered_its_closest_listed_codes_only_as_such(
    loaded_store: KnowledgeStore,
) -> None:
    closest = loaded_store.closest_codes("E-43", CodeKind.FAULT_CODE)
    assert [entry.code for entry in closest][:1] == ["E-42"]
    assert all(entry.code != "E-43" for entry in closest)


def test_texts_one_number_apart_are_related_never_the_same_text(
    store: KnowledgeStore, tmp_path
) -> None:
    (tmp_path / "kb.toml").write_text(
        "[[code_formats]]\nkind = \"fault_code\"\npattern = 'E-\\d{2}'\n"
        'example = "E-42"\n',
        "utf-8",
    )
    (tmp_path / "faults.csv").write_text(
        "code,description\nE-21,Exhaust temperature high bank 1\n"
        "E-22,Exhaust temperature high bank 2\nE-30,Low oil pressure\n"
        "E-31,low  OIL pressure\n",
        "utf-8",
    )
    store.ingest([tmp_path])
    (entry,) = store.lookup_code("E-21")
    namesakes = store.namesakes(entry)
    assert namesakes.same_text == ()
    assert [e.code for e in namesakes.related] == ["E-22"]
    (other,) = store.lookup_code("E-30")
    assert [e.code for e in store.namesakes(other).same_text] == ["E-31"]
    assert store.namesakes(other).related == ()


NUMBERED = CuedFormats(
    FormatSet([CodeFormat(CodeKind.FAULT_CODE, r"\d{3,4}", "5298", "")]),
    cue_pattern(default_cues().code_cues),
)


def cued_values(question: str) -> list[str]:
    return [c.value for c in codes_in_question(question, FormatSet([]), NUMBERED)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does alarm 9117 mean", ["9117"]),
        ("error code 412 on the unit", ["412"]),
        ("Fault #7310 again", ["7310"]),
        ("alarm no. 2231", ["2231"]),
        ("alarms 5298 and 5299 at once", ["5298", "5299"]),
        ("codes 1234, 2345 or 3456", ["1234", "2345", "3456"]),
        ("alarm 52O8", ["5208"]),
        ("error l234", ["1234"]),
        ("display shows 4120", ["4120"]),
        ("it's flashing 3301 again", ["3301"]),
        ("fault 2231 a few times today", ["2231"]),
    ],
)
def test_plain_numbers_are_read_as_codes_right_after_a_code_cue(
    question: str, expected: list[str]
) -> None:
    assert cued_values(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "unit stopped in 2019 after 1200 hours",
        "pressure is 4500 on the gauge",
        "alarm 300 times a day",
        "error 1200 volts on the bus",
        "display shows 4500 rpm",
        "screen showing 1250 kPa",
        "the alarm went off at 1430",
        "error after 1500 minutes",
        "O2 sensor reads low",
        "B52 on the tag",
    ],
)
def test_plain_numbers_without_a_cue_are_never_codes(question: str) -> None:
    assert cued_values(question) == []


def test_a_cued_format_never_reads_a_number_inside_a_longer_declared_code() -> None:
    both = codes_in_question("alarm 4471-A20-339", FORMATS, NUMBERED)
    assert [c.value for c in both] == ["4471-A20-339"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [("53O2 on the heat pump", ["5302"]), ("l010 on the display", ["1010"])],
)
def test_a_number_typed_with_a_look_alike_letter_needs_no_cue(
    question: str, expected: list[str]
) -> None:
    assert cued_values(question) == expected


def test_a_long_word_a_format_spells_out_is_read_though_its_example_is_short() -> None:
    # Learned from a table of "Err 1" .. and "Information 65": the example is
    # the commoner spelling, the longer word is still part of the code.
    learned = FormatSet(
        [CodeFormat(CodeKind.FAULT_CODE, r"(?:INFORMATION|ERR) \d{1,3}", "ERR 1", "")]
    )
    found = codes_in_question("Information 64 in the app", learned)
    assert [code.value for code in found] == ["INFORMATION 64"]
    # A longer ordinary word is still no part of a code.
    assert codes_in_question("Informational 64 in the app", learned) == []


DOTTED = FormatSet([CodeFormat(CodeKind.FAULT_CODE, r"\d{1,2}\.\d{1,3}", "13.2", "")])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2O.3", "20.3"),  # a letter O where the dotted number needs a zero
        ("3l.10", "31.10"),
        ("12 2", "12.2"),  # the dot typed as a space, where the space stands
        ("2 O3", "2.03"),
        ("203", None),  # 2.03 or 20.3: where the dot goes is not guessed
        ("2O3", None),
    ],
)
def test_a_dotted_number_is_read_with_its_dot_where_it_was_typed(
    typed: str, expected: str | None
) -> None:
    match = DOTTED.match(typed)
    assert (match.value if match else None) == expected


def slipped(question: str, listed: set[str]) -> list[str]:
    cued = CuedFormats(
        DOTTED, cue_pattern(default_cues().code_cues), lambda v: v in listed
    )
    return [c.value for c in codes_in_question(question, FormatSet([]), cued)]


def test_a_short_number_with_a_typing_slip_is_read_uncued_only_when_listed() -> None:
    assert slipped("l3.2 on the walkie", {"13.2"}) == ["13.2"]
    assert slipped("l3.2 on the walkie", {"13.3"}) == []
    # S for 5 is a slip of reading, not of typing: a model name stays a word.
    assert slipped("S3.2 on the walkie", {"53.2"}) == []
    # Two digits at least: a letter and one digit is a word (O2, B5).
    assert slipped("O2 sensor reads low", {"0.2", "2"}) == []


def test_a_six_read_for_a_g_is_a_letter_only_where_the_separator_stands() -> None:
    # A seven-segment G lacks one segment of a 6.
    match = FORMATS.match("6-355")
    assert match is not None and match.value == "G-355"
    assert [(f.read, f.meant) for f in match.fixes] == [("6", "G")]
    # The last group of a phone number is a number, not G-726.
    assert FORMATS.match("6726") is None
    assert codes_in_question("call +44 163 673 6726", FORMATS) == []
