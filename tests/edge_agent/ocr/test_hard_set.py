"""The hard photo set: measured conditions, frozen splits, and truth that holds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from knowledge_cache.code_keys import iter_format_matches
from tests.ocr_eval.generate import kb_formats
from tests.ocr_eval.hard import (
    CASES,
    LEVELS,
    ONLY_FOR,
    SPLITS,
    STYLES,
    case_of,
    distractor,
    generate,
    load_truth,
    render,
)
from tests.ocr_eval.marks import (
    DOT_FONT,
    SEGMENTS,
    SegmentLook,
    dot_peen,
    segment_text,
    seven_segment,
)
from tests.ocr_eval.scenes import load_pools


def _k(condition: str, level: int, style: str | None = None) -> int:
    """The first photo index showing ``condition`` at ``level`` (in ``style``)."""
    for k in range(len(CASES) * len(STYLES) * 2):
        c, lv, s = case_of(k)
        if c == condition and lv == level and style in (None, s):
            return k
    raise AssertionError(f"no photo shows {condition}/{level} in {style}")


def test_tuning_and_held_out_seeds_never_overlap() -> None:
    tuning, held_out = SPLITS["tuning"], SPLITS["held_out"]

    assert not set(tuning) & set(held_out)


def test_every_condition_has_measured_levels_and_every_style_is_shown() -> None:
    hard = [c for c in LEVELS if c not in ("none", "two_items")]

    assert all(2 <= len(LEVELS[c]) <= 3 for c in hard)
    assert all(level for c in hard for level in LEVELS[c])
    shown = {case_of(k)[2] for k in range(len(CASES) * 2)}
    assert shown == set(STYLES)
    for condition, styles in ONLY_FOR.items():
        for k in range(len(CASES) * 2):
            c, _, style = case_of(k)
            assert c != condition or style in styles


def test_a_set_of_some_styles_holds_their_photos_of_the_whole_set(
    tmp_path: Path,
) -> None:
    truths = generate(
        tmp_path, per_case=1, only=("curved", "worn"), styles=("dot_peen",)
    )

    expected = [k for k in range(len(CASES)) if case_of(k)[0] in ("curved", "worn")]
    expected = [k for k in expected if case_of(k)[2] == "dot_peen"]
    assert [t.seed - SPLITS["tuning"][0] for t in truths] == expected
    assert load_truth(tmp_path) == truths


def test_a_photo_is_the_same_from_the_same_seed() -> None:
    k = _k("glare", 1)
    first_truth, first = render(k, SPLITS["tuning"][k])
    second_truth, second = render(k, SPLITS["tuning"][k])

    assert first_truth == second_truth
    assert ImageChops.difference(first, second).getbbox() is None


@pytest.mark.parametrize("level", [0, 1])
def test_small_text_codes_have_the_capital_height_of_their_level(level: int) -> None:
    k = _k("small_text", level)
    truth, image = render(k, SPLITS["tuning"][k])

    assert max(image.size) == 1600
    assert truth.cap_px == pytest.approx(LEVELS["small_text"][level]["cap_px"], 0.05)
    assert truth.codes


def test_a_seven_segment_truth_is_the_code_it_shows_not_its_distractor() -> None:
    k = _k("distractors", 1, "seven_segment")
    truth, _ = render(k, SPLITS["tuning"][k])

    assert [c.kind for c in truth.codes] == ["fault_code"]
    assert truth.parameters == {"numbers": 2}


def test_distractors_match_no_declared_format() -> None:
    rng = random.Random(5)
    texts = [distractor(rng) for _ in range(60)]

    assert not [t for t in texts if any(iter_format_matches(t, kb_formats()))]


def test_unlit_segments_show_at_their_level_and_lit_ones_bleed() -> None:
    lit, back = (255, 40, 30), (10, 10, 10)
    plain = segment_text("1", SegmentLook(digit_px=60, ghost=0.0), lit, back)
    ghost = segment_text("1", SegmentLook(digit_px=60, ghost=0.3), lit, back)
    bleed = segment_text("1", SegmentLook(digit_px=60, bleed=0.6, ghost=0.0), lit, back)

    # The top bar is unlit in a "1": dark without ghosting, faint with it.
    top = (plain.width // 2, int(60 * 0.35 + 60 * 0.06))
    assert plain.getpixel(top) == back
    assert ghost.getpixel(top)[0] == pytest.approx(10 + 0.3 * 245, abs=2)
    lit_pixels = sum(1 for p in plain.get_flattened_data() if p != back)
    assert sum(1 for p in bleed.get_flattened_data() if p != back) > lit_pixels * 1.3


def test_a_readout_draws_the_segments_of_its_code() -> None:
    item = seven_segment(random.Random(2), load_pools(), look=SegmentLook())

    code = item.texts[0]
    assert all(ch in SEGMENTS for ch in code)
    assert [v for _, v in iter_format_matches(code, kb_formats())] == [code]


def test_dot_peen_plates_strike_every_character_they_carry() -> None:
    item = dot_peen(random.Random(3), load_pools(), distractor="LOT 4471-22")

    assert all(
        ch in DOT_FONT or ch == " " for text in item.texts for ch in text.upper()
    )
    assert all(
        len(rows.split()) == 7 and all(len(r) == 5 for r in rows.split())
        for rows in DOT_FONT.values()
    )
    assert item.texts[0].startswith("S/N ")
    assert isinstance(item.image, Image.Image)
