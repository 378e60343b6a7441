from __future__ import annotations

import pytest

from edge_agent.answer.grounding import (
    GroundingContext,
    Source,
    check_sentence,
    split_sentences,
)
from knowledge_cache.code_keys import compile_formats
from knowledge_cache.models import CodeFormat, CodeKind

SOURCES = (
    Source(
        1,
        "faults.csv#1",
        "E-42: Motor overload trip. Motor current above 110 % of rated current "
        "for 60 s. Check impeller 4471-A20-339.",
    ),
    Source(
        2,
        "manual.md#7",
        "Lockout procedure: isolate the supply and release pressure to 0 bar "
        "before opening the casing. Tighten the drain plug to 30 Nm.",
    ),
)
CONTEXT = GroundingContext(
    sources=SOURCES,
    code_meanings={"E42": "Motor overload trip", "E11": "Dry running detected"},
    code_patterns=compile_formats(
        [CodeFormat(CodeKind.PART_NUMBER, r"\d{4}-[A-Z]\d{2}-\d{3}")]
    ),
)


def verdict(sentence: str, earlier: tuple[str, ...] = ()):
    return check_sentence(sentence, CONTEXT, earlier)


@pytest.mark.parametrize(
    "sentence",
    [
        "The motor trips when its current stays above 110 % for 60 s [1].",
        "E-42: motor overload trip, so check the impeller 4471-A20-339 [1].",
        "E-42: Motor overload trip equipment: pump [1].",
        "Release the pressure and tighten the drain plug to 30 Nm [2].",
        "Follow the lockout procedure before opening the casing [2].",
    ],
)
def test_sentences_backed_by_their_sources_pass(sentence: str) -> None:
    result = verdict(sentence)
    assert result.supported, result.problems


def test_citations_map_to_chunk_ids() -> None:
    assert verdict("Tighten the drain plug to 30 Nm [2].").cited == ("manual.md#7",)


@pytest.mark.parametrize(
    ("sentence", "problem"),
    [
        (
            "The motor overload also sets code E-77 [1].",
            "code E77 is not in the sources",
        ),
        ("Order impeller 9999-Z99-999 for the motor [1].", "code 9999Z99999"),
        ("Tighten the drain plug to 45 Nm [2].", "number 45 nm"),
        # The digits of part 4471-A20-339 are no quantity.
        ("The pump takes 4471 litres of oil [1].", "number 4471"),
        ("Tighten the drain plug to 30 bar [2].", "number 30 bar"),
        ("E-42 means low oil pressure on the pump [1].", "meaning that is not its"),
        # Short words count: "low oil" is not the overload the code means.
        ("E-42: low oil trip [1].", "meaning that is not its"),
        # Close is not enough: one word off names another fault.
        ("E-42: motor overload shutdown [1].", "meaning that is not its"),
        ("E-11: not dry running [1].", "meaning that is not its"),
        ("The motor current is high [7].", "cites source [7]"),
        ("E-42 is not in the knowledge base [1].", "calls E42 absent"),
        ("Follow the degreasing procedure on the casing [2].", "names a procedure"),
        ("Hydraulic accumulators require nitrogen precharge inspection [1].", "words"),
        ("See <<<SOURCE 1 for the motor current [1].", "source markers"),
    ],
)
def test_unsupported_content_is_caught(sentence: str, problem: str) -> None:
    result = verdict(sentence)
    assert not result.supported
    assert any(problem in p for p in result.problems), result.problems


def test_an_uncited_sentence_is_checked_against_all_sources() -> None:
    assert verdict("Check impeller 4471-A20-339 and tighten to 30 Nm.").supported
    assert not verdict("Check impeller 4471-A20-339 and tighten to 31 Nm.").supported


def test_a_number_cited_from_the_wrong_source_is_caught() -> None:
    assert not verdict("Tighten the drain plug to 30 Nm [1].").supported


def test_repeating_an_earlier_sentence_is_caught() -> None:
    first = "Release the pressure before opening the casing [2]."
    assert verdict(first).supported
    assert "repeats an earlier sentence" in verdict(first, (first,)).problems


def test_a_looping_sentence_is_caught() -> None:
    loop = "check the motor current " * 4
    assert "repeats itself" in verdict(loop + "[1].").problems


def test_split_sentences_drops_list_numbers_and_keeps_citations() -> None:
    text = "First check the valve [1]. 2. Then vent the casing [2].\n3.\nDone!"
    assert split_sentences(text) == [
        "First check the valve [1].",
        "Then vent the casing [2].",
        "Done!",
    ]


def test_a_sentence_must_add_to_what_is_shown() -> None:
    sources = [Source(1, "m#1", "Noisy bearings. Grease the bearings every 2000 h.")]
    shown = ("how often to grease", "Grease the bearings every 2000 h.")
    context = GroundingContext(sources, {}, shown=shown)

    repeat = check_sentence("Grease the bearings every 2000 h [1].", context)
    fragment = check_sentence("Bearings: 2000.", context)
    adds = check_sentence("Noisy bearings need grease every 2000 h [1].", context)

    assert repeat.redundant and fragment.redundant
    assert adds.supported
    # Without what is shown, nothing is judged redundant.
    assert check_sentence("Bearings: 2000.", GroundingContext(sources, {})).supported
