"""The generated evaluation set is seeded, covers every hard case, and is true."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from tests.ocr_eval.generate import (
    CONDITIONS,
    SCENES,
    TRUTH_FILE,
    generate,
    load_truth,
    plan,
)
from tests.ocr_eval.scenes import load_pools


def test_the_full_set_covers_every_scene_and_hard_case_often() -> None:
    planned = plan()

    assert len(planned) >= 200
    scenes = Counter(scene for scene, _ in planned)
    assert set(scenes) == set(SCENES) and min(scenes.values()) >= 20
    conditions = Counter(c for _, chosen in planned for c in chosen)
    assert set(conditions) == set(CONDITIONS)
    assert min(conditions.values()) >= 15, conditions


@pytest.mark.slow
def test_the_same_seed_renders_the_same_photos(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", count=3, seed=3)
    second = generate(tmp_path / "b", count=3, seed=3)

    assert first == second
    for truth in first:
        assert (tmp_path / "a" / truth.file).read_bytes() == (
            tmp_path / "b" / truth.file
        ).read_bytes()
    assert load_truth(tmp_path / "a") == first


@pytest.mark.slow
def test_truth_lists_demo_codes_and_unlisted_fault_codes(tmp_path: Path) -> None:
    truths = generate(tmp_path, count=24, seed=21)
    pools = load_pools()

    data = json.loads((tmp_path / TRUTH_FILE).read_text(encoding="utf-8"))
    assert data["seed"] == 21 and len(data["images"]) == 24
    codes = [code for truth in truths for code in truth.codes]
    assert {c.kind for c in codes} == {
        "fault_code",
        "part_number",
        "serial_number",
        "model_number",
    }
    for code in codes:
        if code.kind == "part_number":
            assert code.known is (code.value in pools.parts)
        if code.kind == "fault_code":
            assert code.known is (code.value in pools.faults)
    assert any(c.known is False for c in codes if c.kind == "fault_code")
    assert any(not t.codes for t in truths if t.scene == "no_code_screen")
    for truth in truths:
        image = ImageOps.exif_transpose(Image.open(tmp_path / truth.file))
        assert image.size == tuple(truth.size)
