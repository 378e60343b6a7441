"""``edge-agent ocr``: read the codes on photos, offline, and look each one up."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from edge_agent import exit_codes
from edge_agent.cli.crop_files import check_crops_folder, save_crops
from edge_agent.cli.state import CliState, pass_state
from edge_agent.errors import ConfigError
from edge_agent.session import Session
from knowledge_cache import TABLE_KINDS

if TYPE_CHECKING:
    from edge_agent.ocr import CodeLookup, EngineName, OcrResult, ReadCode

ENGINE_CHOICES = ("rapidocr", "tesseract")


@click.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--engine",
    type=click.Choice(ENGINE_CHOICES),
    help="OCR engine (default: the ocr_engine setting, normally rapidocr).",
)
@click.option(
    "--crops",
    "crops_dir",
    type=click.Path(path_type=Path),
    help="Save the crop of each code to check (low confidence) in this folder, as PNG.",
)
@pass_state
def ocr(
    state: CliState,
    images: tuple[Path, ...],
    as_json: bool,
    engine: str | None,
    crops_dir: Path | None,
) -> None:
    """Read fault codes, part, serial and model numbers from photos.

    Photos of part labels, nameplates and scanner screens (JPEG, PNG, WebP or
    TIFF). Every code is looked up in the knowledge base; a code read with
    low confidence is marked CHECK THIS, and --crops saves the part of the
    photo it was read from, to compare. A photo that cannot be read is
    reported and the others are still read (exit code 1).
    """
    # The OCR stack is imported here, so other commands start without it.
    from edge_agent.ocr import (
        OcrError,
        PhotoReader,
        load_engine,
        read_in_session,
        result_to_json,
    )

    if crops_dir is not None:
        check_crops_folder(crops_dir)  # before any photo is read
    settings = state.settings()
    # No warm-up run: this process reads its photos once and exits.
    loaded = load_engine(
        cast("EngineName", engine or settings.ocr_engine),
        warm=False,
        cache_dir=settings.layout.cache_dir,
    )
    if loaded.notice:
        click.echo(f"note: {loaded.notice}", err=True)
    records: list[dict[str, Any]] = []
    failed, crops_failed = 0, False
    with Session(settings) as session:
        reader = PhotoReader(loaded.engine, session.store)
        for path in images:
            started = time.perf_counter()
            try:
                result = read_in_session(session, reader, path)
            except OcrError as exc:
                failed += 1
                message = _with_name(path, exc.message)
                click.echo(f"error: {message}", err=True)
                records.append(_failure(path, reader.engine_name, message, started))
                continue
            record = result_to_json(result)
            crops: dict[int, Path] | None = None
            if crops_dir is not None:
                crops = {}
                try:
                    crops = save_crops(result, crops_dir)
                except (ConfigError, OcrError) as exc:
                    crops_failed = True
                    click.echo(f"error: {_with_name(path, exc.message)}", err=True)
                for index, code in enumerate(record["codes"]):
                    code["crop"] = str(crops[index]) if index in crops else None
            records.append(record)
            if not as_json:
                click.echo(render_result(result, crops))
    if as_json:
        click.echo(json.dumps({"images": records}, indent=2))
    if failed:
        raise click.exceptions.Exit(exit_codes.FAILURE)
    if crops_failed:
        raise click.exceptions.Exit(exit_codes.CONFIG)


def _with_name(path: Path, message: str) -> str:
    return message if message.startswith(path.name) else f"{path.name}: {message}"


def _failure(path: Path, engine: str, message: str, started: float) -> dict[str, Any]:
    return {
        "path": str(path),
        "engine": engine,
        "codes": [],
        "lookups": [],
        "text": "",
        "seconds": round(time.perf_counter() - started, 3),
        "error": message,
    }


def render_result(result: OcrResult, crops: Mapping[int, Path] | None = None) -> str:
    """One photo's codes, their meaning and sources, and the raw text if needed;
    where each code to check has its crop, when saved (``crops`` by index)."""
    count = len(result.codes)
    found = f"{count} code{'s' if count != 1 else ''}" if count else "no codes found"
    turned = f", turned {result.rotation}°" if result.rotation else ""
    lines = [
        f"{result.path}: {found} ({result.engine}, {result.seconds:.2f} s{turned})"
    ]
    for index, (code, lookup) in enumerate(
        zip(result.codes, result.lookups, strict=True)
    ):
        lines.extend(_render_code(code, lookup))
        if crops is not None and index in crops:
            lines.append(f"      crop: {crops[index]}")
    lines.extend(f"  note: {notice}" for notice in result.notices)
    if result.needs_review and crops is None:
        lines.append(
            "  (--crops DIR saves the part of the photo each code to check was "
            "read from.)"
        )
    if result.needs_review or not result.codes:
        lines.append("  Text read (correct any code by hand if it was misread):")
        text = result.text or "(no text found)"
        lines.extend(f"    | {line}" for line in text.splitlines())
    lines.append(f"  photo sha256 {result.sha256}")
    return "\n".join(lines)


def _render_code(code: ReadCode, lookup: CodeLookup) -> list[str]:
    kind = code.kind.value.replace("_", " ")
    status = _status(code)
    lines = [
        f"  {kind:<13} {code.value:<14} {status:<10} confidence {code.confidence:.2f}"
    ]
    for entry in lookup.entries:
        lines.append(f"      {entry.description} [source: {entry.chunk_id}]")
    if not lookup.entries and lookup.hits:
        cited = ", ".join(lookup.citations)
        lines.append(f"      named in: {cited}")
    if code.low_confidence:
        lines.append(
            f'      CHECK THIS: read with low confidence as "{code.raw}"; compare '
            "it with the photo."
        )
        lines.extend(f"      - {note}" for note in code.notes)
    elif status == "NOT IN KB":
        lines.append(
            f'      Not in the knowledge base (read as "{code.raw}"): check the code '
            "on the unit; it may be newer than this KB."
        )
    return lines


def _status(code: ReadCode) -> str:
    if code.low_confidence:
        return "CHECK THIS"
    if code.known:
        return "known"
    if code.kind in TABLE_KINDS:
        return "NOT IN KB"  # The KB's tables should list every such code.
    return "no KB entry"
