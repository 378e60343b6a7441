"""RapidOCR's model table, parsed once per process and kept parsed on disk.

rapidocr 3.10 parses its 85 kB model table (``default_models.yaml``) with
OmegaConf at import, twice (``utils.model_resolver`` and
``inference_engine.base``). Each parse takes about half a second on a small
CPU, most of a one-shot ``edge-agent ocr``'s start. Both modules only read the
table, so while rapidocr is imported they share one parsed copy, and with a
cache folder that copy is kept as a pickle beside the home's other rebuildable
files: the next process unpickles it in a few milliseconds.

The pickle is named after the SHA-256 of the YAML file and the OmegaConf
version, so an upgraded rapidocr or OmegaConf never reads an old one. A pickle
that cannot be read is parsed anew and written again; a folder that cannot be
written to costs only the time. The cache lives in the user's own home, which
only that user can write, like the app's code itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_log = logging.getLogger(__name__)

_UNREADABLE = (
    pickle.UnpicklingError,
    EOFError,
    AttributeError,
    ImportError,
    IndexError,
    KeyError,
    TypeError,
    ValueError,
)
"""What unpickling a damaged or foreign file raises."""


@contextmanager
def model_table_read_once(cache_dir: Path | None = None) -> Iterator[None]:
    """While rapidocr is imported, parse each of its YAML files at most once.

    With ``cache_dir``, a parsed file is also read from, or written to, a
    pickle there.
    """
    from omegaconf import OmegaConf

    original = OmegaConf.load
    parsed: dict[str, Any] = {}

    def load_once(file_: Any) -> Any:
        if not isinstance(file_, str | Path):
            return original(file_)
        key = str(Path(file_).resolve())
        if key not in parsed:
            parsed[key] = _load(Path(key), original, cache_dir)
        return parsed[key]

    OmegaConf.load = load_once  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        OmegaConf.load = original  # type: ignore[method-assign]


def cached_table_path(source: Path, cache_dir: Path) -> Path:
    """Where the parsed copy of ``source`` is kept: named by its content."""
    digest = hashlib.sha256(source.read_bytes())
    digest.update(metadata.version("omegaconf").encode())
    return cache_dir / f"rapidocr-{source.stem}-{digest.hexdigest()[:16]}.pickle"


def _load(source: Path, parse: Callable[[Path], Any], cache_dir: Path | None) -> Any:
    if cache_dir is None:
        return parse(source)
    try:
        cached = cached_table_path(source, cache_dir)
    except OSError:
        return parse(source)
    with suppress(OSError):
        try:
            with cached.open("rb") as handle:
                return pickle.load(handle)  # the user's own file; see above
        except _UNREADABLE:
            _log.warning("OCR model table cache %s unreadable; parsing anew", cached)
    table = parse(source)
    _write(cached, table)
    return table


def _write(path: Path, table: Any) -> None:
    """Write atomically, so a killed process never leaves half a pickle."""
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as handle:
            pickle.dump(table, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, path)
    except (OSError, pickle.PicklingError) as exc:
        _log.info("OCR model table not cached in %s: %s", path.parent, exc)
        with suppress(OSError):
            part.unlink()
