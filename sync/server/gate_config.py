"""The centre's gate thresholds: ``gate.toml`` in its data folder.

The file holds only the thresholds that differ from the defaults shipped in
:class:`sync.server.gate.GateConfig`; a missing file is the defaults.
``edge-governance release gate set KEY VALUE`` writes it (or edit it: the
same keys, TOML values). A file the centre cannot read stops every
``release create`` with a message naming the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from sync.server.errors import ConfigInvalid, PublishRefused
from sync.server.gate import KINDS, GateConfig

GATE_FILE = "gate.toml"


def gate_path(data_dir: Path) -> Path:
    """Where the centre keeps its thresholds."""
    return data_dir / GATE_FILE


def load_gate(data_dir: Path) -> GateConfig:
    """The thresholds in force: the file's over the defaults.

    Raises:
        ConfigInvalid: the file is not TOML, or holds an unknown key or a
            value of the wrong kind.
    """
    path = gate_path(data_dir)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return GateConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigInvalid(f"The gate file {path} cannot be read ({exc}).") from exc
    gate = GateConfig()
    for key, value in values.items():
        try:
            gate = replace(gate, **{key: _checked(key, value)})
        except ValueError as exc:
            raise ConfigInvalid(f"The gate file {path}: {exc}") from exc
    return gate


def set_gate_value(data_dir: Path, key: str, text: str) -> GateConfig:
    """Set one threshold from its text and write the file; the new gate.

    Raises:
        PublishRefused: an unknown key, or a value it cannot take.
        ConfigInvalid: the file as it is cannot be read.
    """
    gate = load_gate(data_dir)
    try:
        gate = replace(gate, **{key: _checked(key, _parsed(key, text))})
    except ValueError as exc:
        raise PublishRefused(f"{exc} Nothing was changed.") from exc
    _write(gate_path(data_dir), gate)
    return gate


def _parsed(key: str, text: str) -> Any:
    kind = _kind(key)
    if kind is tuple:
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind is bool:
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"{key} takes true or false, not {text!r}.")
        return lowered == "true"
    try:
        return float(text) if kind is float else int(text)
    except ValueError:
        raise ValueError(f"{key} takes a number, not {text!r}.") from None


def _checked(key: str, value: Any) -> Any:
    kind = _kind(key)
    if kind is tuple:
        if not isinstance(value, list) or not value:
            raise ValueError(f"{key} takes a list of kinds ({', '.join(KINDS)}).")
        unknown = [v for v in value if v not in KINDS]
        if unknown:
            raise ValueError(
                f"{key}: {', '.join(map(str, unknown))} is not a kind; choose among "
                f"{', '.join(KINDS)}."
            )
        return tuple(dict.fromkeys(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} takes true or false.")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} takes a number of zero or more.")
    if kind is int:
        if value != int(value):
            raise ValueError(f"{key} takes a whole number.")
        return int(value)
    if key.startswith("min_") and value > 1:
        raise ValueError(f"{key} is a share between 0 and 1.")
    return float(value)


def _kind(key: str) -> type:
    for item in fields(GateConfig):
        if item.name == key:
            default = getattr(GateConfig(), key)
            return tuple if isinstance(default, tuple) else type(default)
    names = ", ".join(item.name for item in fields(GateConfig))
    raise ValueError(f"{key!r} is not a threshold of the gate; the keys are {names}.")


def _write(path: Path, gate: GateConfig) -> None:
    defaults = GateConfig().as_dict()
    lines = [
        "# The release gate's thresholds; keys not here take their defaults.",
        "# edge-governance release gate show lists them all.",
    ]
    for key, value in gate.as_dict().items():
        if value != defaults[key]:
            lines.append(f"{key} = {_toml(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    return repr(value)
