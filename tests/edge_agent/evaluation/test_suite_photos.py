"""The demo suite's photos: its cases list exactly the codes the script drew."""

from __future__ import annotations

import json
from pathlib import Path

from edge_agent.evaluation import demo_suite_path
from tests.ocr_eval.suite_photos import MAKERS, printed_codes, render


def test_each_photo_case_lists_the_codes_drawn_on_its_photo(tmp_path: Path) -> None:
    photos = render(tmp_path)
    suite = json.loads((demo_suite_path() / "suite.json").read_text("utf-8"))
    cases = {case["id"]: case for case in suite["cases"]}

    assert [photo.case_id for photo in photos] == [case_id for case_id, _, _ in MAKERS]
    for photo in photos:
        case = cases[photo.case_id]
        assert case.get("image", case.get("photo")) == f"photos/{photo.file}"
        assert (demo_suite_path() / "photos" / photo.file).is_file()
        if case["kind"] == "photo":
            assert case["codes"] == printed_codes(photo.texts), photo.case_id
