"""RapidOCR's models ship inside its package and reading never touches the network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from edge_agent.ocr.rapid import MODEL_FILES, model_dir, model_files
from tests.ocr_eval.generate import ImageTruth

pytestmark = pytest.mark.slow

_NO_NETWORK = """
import json, socket, sys

def refuse(*args, **kwargs):
    raise OSError("network use is forbidden in this test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

from PIL import Image
from edge_agent.ocr.rapid import RapidOcrEngine

engine = RapidOcrEngine()
boxes = engine.read(Image.open(sys.argv[1]).convert("RGB"))
print(json.dumps([box.text for box in boxes]))
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_model_files_are_inside_the_installed_package() -> None:
    import rapidocr

    package = Path(rapidocr.__file__).resolve().parent
    files = model_files()

    assert model_dir().resolve() == package / "models"
    assert set(files) == set(MODEL_FILES)
    for path in files.values():
        assert path.resolve().parent == package / "models"
        assert path.stat().st_size > 100_000, path


def test_reading_works_with_the_network_cut_off(
    clean_photos: tuple[Path, list[ImageTruth]], tmp_path: Path
) -> None:
    folder, truths = clean_photos
    truth = next(t for t in truths if t.codes)
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {
        **os.environ,
        **{name: proxy for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
        **{name.lower(): proxy for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
        "NO_PROXY": "",
        "HOME": str(tmp_path),  # no cached downloads from elsewhere
    }

    done = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK, str(folder / truth.file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    text = " ".join(json.loads(done.stdout.splitlines()[-1]))
    assert all(code.value in text for code in truth.codes)
