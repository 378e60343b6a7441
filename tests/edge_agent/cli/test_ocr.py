"""``edge-agent ocr``: photos in, codes with their KB entries out."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from edge_agent.__main__ import main
from edge_agent.device import device_id
from edge_agent.knowledge import demo_data_dir
from knowledge_cache import KnowledgeStore
from sync import Outbox
from tests.edge_agent.ocr.samples import smeared_code
from tests.ocr_eval.generate import ImageTruth, generate

pytestmark = pytest.mark.slow

Photos = tuple[Path, list[ImageTruth]]


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Photos:
    """Two clean generated photos (a part label and a scanner screen) and truth."""
    folder = tmp_path_factory.mktemp("photos")
    return folder, generate(
        folder, count=2, seed=5, clean=True, scenes=("part_label", "screen")
    )


@pytest.fixture(scope="module")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo KB ingested once for the module, copied into each test's home."""
    path = tmp_path_factory.mktemp("kb") / "knowledge.db"
    with KnowledgeStore.open(path) as store:
        store.ingest([demo_data_dir()])
    return path


@pytest.fixture
def home(isolated_home: Path, demo_kb: Path) -> Path:
    """The test's home directory holding a copy of the demo KB."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_kb, isolated_home / "knowledge.db")
    return isolated_home


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_each_code_with_its_lookup(
    capsys: pytest.CaptureFixture[str], home: Path, photos: Photos
) -> None:
    folder, truths = photos
    path = folder / truths[0].file

    code, out, err = run(capsys, "ocr", str(path), "--json")

    assert code == 0, err
    (image,) = json.loads(out)["images"]
    assert {"path", "engine", "codes", "lookups", "text", "seconds"} <= set(image)
    assert "error" not in image
    assert image["path"] == str(path) and image["engine"] == "rapidocr"
    assert len(image["sha256"]) == 64
    expected = {(c.kind, c.value) for c in truths[0].codes}
    assert {(c["kind"], c["value"]) for c in image["codes"]} == expected
    for found, lookup in zip(image["codes"], image["lookups"], strict=True):
        assert {"kind", "value", "confidence", "box", "known"} <= set(found)
        assert 0 < found["confidence"] <= 1 and len(found["box"]) == 4
        assert lookup["value"] == found["value"]
    part = next(c for c in image["codes"] if c["kind"] == "part_number")
    assert part["known"] is True
    part_lookup = image["lookups"][image["codes"].index(part)]
    assert part_lookup["citations"] == [part_lookup["entries"][0]["chunk_id"]]


def test_text_output_with_tesseract_names_codes_and_sources(
    capsys: pytest.CaptureFixture[str], home: Path, photos: Photos
) -> None:
    folder, truths = photos
    screen = truths[1]

    code, out, err = run(
        capsys, "ocr", "--engine", "tesseract", str(folder / screen.file)
    )

    assert code == 0, err
    assert "(tesseract, " in out
    for truth in screen.codes:
        assert truth.value in out
    if any(truth.known is False for truth in screen.codes):
        assert "NOT IN KB" in out
    if any(truth.known for truth in screen.codes):
        assert "[source: fault-codes.csv#" in out
    assert "photo sha256 " in out


def test_bad_photos_are_reported_one_by_one_and_the_rest_still_read(
    capsys: pytest.CaptureFixture[str], home: Path, photos: Photos, tmp_path: Path
) -> None:
    folder, truths = photos
    good = folder / truths[0].file
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_text("not a photo", encoding="utf-8")
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 50).convert("RGB").save(buffer, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(buffer.getvalue()[:2000])
    missing = tmp_path / "missing.jpg"

    args = [str(p) for p in (missing, empty, good, text, cut)]
    code, out, err = run(capsys, "ocr", "--json", *args)

    assert code == 1
    images = json.loads(out)["images"]
    assert [Path(i["path"]).name for i in images] == [Path(a).name for a in args]
    errors = {Path(i["path"]).name: i.get("error", "") for i in images}
    assert "does not exist" in errors["missing.jpg"]
    assert "empty file" in errors["empty.jpg"]
    assert "not an image" in errors["notes.png"]
    assert "damaged or incomplete" in errors["cut.jpg"]
    assert errors[good.name] == "" and images[2]["codes"]
    assert err.count("error: ") == 4 and "Traceback" not in err


def test_the_engine_setting_is_the_default(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    photos: Photos,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, truths = photos
    monkeypatch.setenv("EDGE_AGENT_OCR_ENGINE", "tesseract")

    code, out, _ = run(capsys, "ocr", "--json", str(folder / truths[0].file))

    assert code == 0
    assert json.loads(out)["images"][0]["engine"] == "tesseract"


def test_an_empty_kb_still_shows_the_text_and_says_why(
    capsys: pytest.CaptureFixture[str], isolated_home: Path, photos: Photos
) -> None:
    folder, truths = photos

    code, out, _ = run(
        capsys, "ocr", "--engine", "tesseract", str(folder / truths[0].file)
    )

    assert code == 0
    assert "has no code formats yet" in out  # only labelled values were read
    assert "Text read" in out


def test_without_rapidocr_tesseract_reads_and_stderr_says_so(
    home: Path, photos: Photos
) -> None:
    folder, truths = photos
    code = (
        "import sys; sys.modules['rapidocr'] = None\n"
        "from edge_agent.__main__ import main\n"
        f"sys.exit(main(['ocr', '--json', {str(folder / truths[0].file)!r}]))\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "EDGE_AGENT_HOME": str(home)},
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "note: The RapidOCR engine is not installed" in done.stderr
    assert json.loads(done.stdout)["images"][0]["engine"] == "tesseract"


def test_no_photo_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ocr")

    assert code == 2
    assert "Missing argument" in err


def test_a_photo_read_is_a_traced_turn_that_keeps_the_photo_on_the_device(
    capsys: pytest.CaptureFixture[str], home: Path, photos: Photos
) -> None:
    folder, truths = photos
    path = folder / truths[0].file
    code, out, err = run(capsys, "ocr", str(path), "--json")
    assert code == 0, err
    (image,) = json.loads(out)["images"]

    with Outbox.open(home / "outbox.db", device_id=device_id(home)) as outbox:
        (trace,) = outbox.list_traces()
    (read,) = [span for span in trace.spans if span["name"] == "edge.ocr"]
    attributes = read["attributes"]

    assert trace.name == "photo"
    assert attributes["edge.photo.sha256"] == image["sha256"]
    assert attributes["edge.photo.name"] == path.name  # a name, not the folder
    assert attributes["edge.ocr.codes"] == len(image["codes"])
    for found in image["codes"]:
        assert f"{found['kind']} {found['value']} " in attributes["edge.ocr.read"]
    photo_bytes = path.read_bytes()
    assert len(json.dumps(trace.as_dict())) < len(photo_bytes) / 10


def test_a_code_to_check_is_marked_and_its_crop_saved_with_crops(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    photo, crops = tmp_path / "smeared.png", tmp_path / "crops"
    smeared_code(photo)
    crops.mkdir()

    code, out, err = run(capsys, "ocr", str(photo), "--crops", str(crops), "--json")

    assert code == 0, err
    (found,) = json.loads(out)["images"][0]["codes"]
    assert (found["value"], found["uncertain"], found["known"]) == ("E-42", True, True)
    assert len(found["box"]) == 4 and len(found["line_box"]) == 4
    saved = Path(found["crop"])
    assert saved.parent == crops and saved.name.startswith("smeared-")
    with Image.open(saved) as crop:
        assert crop.format == "PNG" and crop.width > crop.height > 10

    code, out, err = run(capsys, "ocr", str(photo), "--crops", str(crops))

    assert code == 0, err
    assert "CHECK THIS" in out and "read with low confidence" in out
    assert f"crop: {saved}" in out
    assert sorted(crops.iterdir()) == [saved]  # the same crop, written again


def test_without_crops_a_code_to_check_says_how_to_get_its_crop(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "smeared.png"
    smeared_code(photo)

    code, out, err = run(capsys, "ocr", str(photo))

    assert code == 0, err
    assert "CHECK THIS" in out and "--crops DIR saves" in out


@pytest.mark.parametrize("kind", ["missing", "file", "read-only"])
def test_a_crops_folder_that_cannot_take_them_is_a_config_error(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, kind: str
) -> None:
    photo, crops = tmp_path / "smeared.png", tmp_path / "crops"
    smeared_code(photo)
    if kind == "file":
        crops.write_text("notes")
    elif kind == "read-only":
        crops.mkdir(mode=0o500)
    if kind == "read-only" and os.access(crops, os.W_OK):
        pytest.skip("running as a user who may write anywhere")
    code, out, err = run(capsys, "ocr", str(photo), "--crops", str(crops))

    assert code == 2
    assert out == ""  # nothing read, nothing half done
    assert str(crops) in err and "--crops" in err
    assert not (home / "outbox.db").exists()  # no turn was begun
    if kind == "file":
        assert crops.read_text() == "notes"
