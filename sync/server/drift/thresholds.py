"""The drift report's alert thresholds: ``drift.toml`` beside ``gate.toml``.

The file holds only the thresholds that differ from the defaults below; a
missing file is the defaults. Each key is a figure of one ISO week (all
releases, or the one release the report is for) with its limit::

    # drift.toml
    max_nothing_found_rate = 0.2
    min_turns = 50

A week with fewer than ``min_turns`` turns raises no alert: a handful of
turns says nothing about a fleet. Rates are shares between 0 and 1.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from sync.server.errors import ConfigInvalid

DRIFT_FILE = "drift.toml"


@dataclass(frozen=True, slots=True)
class DriftThresholds:
    """When a week's figure raises an alert (the defaults as shipped)."""

    min_turns: int = 20
    """Weeks with fewer turns raise no alert."""
    max_nothing_found_rate: float = 0.25
    """Share of questions the knowledge base had nothing for."""
    max_dropped_sentence_share: float = 0.30
    """Share of the model's sentences the grounding checks dropped."""
    min_photo_confidence: float = 0.80
    """Mean confidence of the codes read from photos."""
    max_correction_rate: float = 0.10
    """Codes corrected by hand per code read from a photo."""
    max_denial_rate: float = 0.20
    """Share of the devices' decisions that were denials."""
    max_quarantine_rate: float = 0.10
    """Share of the actions received that the centre quarantined."""
    max_disagreement_rate: float = 0.05
    """Share of the actions where device and centre disagreed (either way)."""
    max_seconds_per_turn: float = 20.0
    """Mean seconds per turn on the device."""
    max_tokens_per_model_turn: float = 2000.0
    """Mean tokens (prompt and completion) per turn that called the model."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def drift_path(data_dir: Path) -> Path:
    """Where the centre keeps its drift thresholds."""
    return data_dir / DRIFT_FILE


def load_thresholds(data_dir: Path) -> DriftThresholds:
    """The thresholds in force: the file's over the defaults.

    Raises:
        ConfigInvalid: the file is not TOML, or holds an unknown key or a
            value of the wrong kind; the message names the file and the key.
    """
    path = drift_path(data_dir)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DriftThresholds()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigInvalid(
            f"The drift file {path} cannot be read ({exc}). Fix it or remove it "
            "to use the defaults."
        ) from exc
    thresholds = DriftThresholds()
    for key, value in values.items():
        try:
            thresholds = replace(thresholds, **{key: _checked(key, value)})
        except ValueError as exc:
            raise ConfigInvalid(f"The drift file {path}: {exc}") from exc
    return thresholds


def _checked(key: str, value: Any) -> Any:
    defaults = DriftThresholds()
    names = [item.name for item in fields(DriftThresholds)]
    if key not in names:
        raise ValueError(
            f"{key!r} is not a drift threshold; the keys are {', '.join(names)}."
        )
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} takes a number of zero or more.")
    if isinstance(getattr(defaults, key), int):
        if value != int(value):
            raise ValueError(f"{key} takes a whole number.")
        return int(value)
    if key.endswith(("_rate", "_share", "_confidence")) and value > 1:
        raise ValueError(f"{key} is a share between 0 and 1.")
    return float(value)
