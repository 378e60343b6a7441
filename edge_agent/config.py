"""Settings of the edge app and the paths inside its home directory.

Precedence, highest first: CLI flags, ``EDGE_AGENT_*`` environment variables,
``config.toml`` in the home directory, defaults. Nothing is created or read at
import time: :func:`load_settings` reads, :func:`ensure_home` creates.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal, cast

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from edge_agent.errors import ConfigError
from edge_agent.home import HomeLayout

APP_NAME = "edge-field-assistant"
HOME_ENV = "EDGE_AGENT_HOME"


def default_home() -> Path:
    """The home directory used when neither a flag nor the environment names one."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class EdgeSettings(BaseSettings):
    """Everything the edge app can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="EDGE_AGENT_", frozen=True, extra="forbid"
    )

    home: Path = Field(default_factory=default_home)
    """Folder holding the knowledge base, outbox, traces, policy, logs and config."""

    model_path: Path | None = None
    """A GGUF model file; unset means the default SmolLM2-135M-Instruct model."""

    ocr_engine: Literal["rapidocr", "tesseract"] = "rapidocr"
    """OCR engine for photos of labels and scanner screens."""

    technician_id: str = "technician"
    """Who is using this device; recorded with every action and confirmation."""

    role: str = "technician"
    """The technician's role, as the policy knows it (technician, apprentice, ...)."""

    answer_max_tokens: int = Field(default=160, ge=16, le=2048)
    """Most tokens the model may write for one answer (the policy may lower it)."""

    answer_max_seconds: float = Field(default=20.0, gt=0, le=600)
    """Longest the model may take for one answer (the policy may lower it)."""

    model_context_tokens: int = Field(default=2048, ge=512, le=32768)
    """Context window for the local model: system prompt, chunks and answer."""

    server_url: str | None = None
    """The central service's address (``https://...``); unset: the one used at
    enrolment."""

    allow_insecure_http: bool = False
    """Let the device talk plain ``http://`` to a centre on another computer
    (a lab network only: anyone on the way can read what it sends). Without
    it, ``http://`` is accepted only to this computer; use ``https://``."""

    meaning_search: bool = False
    """Store chunk vectors at ingest and let a question's nearest vectors join
    the keyword candidates (hybrid search). Off by default: on the demo fleet
    it finds more at rank 5 but fewer at rank 1 (see the README)."""

    explain_answers: bool = False
    """Let the model add a (checked) explanation to answers found by search.
    Off by default: with the default model few explanations pass the checks
    and add anything to the quotes, at seconds of generation each (see the
    README); any GGUF by path is held to the same checks when it is on."""

    explain_codes: bool = False
    """Let the model add a (checked) explanation to code lookups too (with
    ``explain_answers``)."""

    photos_dir: Path | None = None
    """Where the terminal app's photo picker starts; unset: the user's pictures
    folder, or the current folder when there is none."""

    theme: Literal["dark", "light"] = "dark"
    """Colours of the terminal app (it can also be switched while it runs)."""

    chat_history_conversations: int = Field(default=200, ge=1, le=100_000)
    """How many of the chat's conversations are kept (the most recent)."""

    chat_history_days: int = Field(default=90, ge=1, le=3650)
    """Days a conversation is kept after its last question."""

    data_age_amber: str = "48h"
    """Age of the job book or the KB (since it came, or the last sync that
    confirmed it) past which the status bar shows it amber (s, m, h, d, w)."""

    data_age_red: str = "7d"
    """Age past which the status bar shows it red."""

    @field_validator("data_age_amber", "data_age_red")
    @classmethod
    def _an_age(cls, value: str) -> str:
        from policies import parse_age  # not at import: the CLI starts without it

        parse_age(value)  # a ValueError names what is wrong and how to write it
        return value

    @property
    def data_age_limits(self) -> tuple[float, float]:
        """The amber and red ages in seconds (red never below amber)."""
        from policies import parse_age

        amber, red = parse_age(self.data_age_amber), parse_age(self.data_age_red)
        return amber, max(amber, red)

    @property
    def layout(self) -> HomeLayout:
        """Every file and folder under :attr:`home`."""
        return HomeLayout(self.home)

    @property
    def photos_folder(self) -> Path:
        """The folder the photo picker opens: ``photos_dir``, else the user's
        pictures folder if it exists, else the current folder."""
        if self.photos_dir is not None:
            return self.photos_dir.expanduser()
        pictures = Path(platformdirs.user_pictures_dir())
        return pictures if pictures.is_dir() else Path.cwd()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        flags = cast(InitSettingsSource, init_settings).init_kwargs
        home = Path(flags.get("home") or os.environ.get(HOME_ENV) or default_home())
        config_file = TomlConfigSettingsSource(
            settings_cls, toml_file=HomeLayout(home).config_file
        )
        return (init_settings, env_settings, config_file)


def load_settings(**flags: Any) -> EdgeSettings:
    """Build the settings from CLI ``flags`` (``None`` values are ignored).

    Raises:
        ConfigError: the config file is malformed or a value is invalid.
    """
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return EdgeSettings(**given)
    except tomllib.TOMLDecodeError as exc:
        home = Path(given.get("home") or os.environ.get(HOME_ENV) or default_home())
        raise ConfigError(
            f"{HomeLayout(home).config_file} is not valid TOML ({exc}). "
            "Fix the file or move it aside to use the defaults.",
            title="Unreadable config file",
        ) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(
            f"Invalid settings: {problems}. Check config.toml, EDGE_AGENT_* "
            "variables and command-line flags.",
            title="Invalid settings",
        ) from exc


def ensure_home(settings: EdgeSettings) -> Path:
    """Create the home directory and its logs folder; return the home path.

    Raises:
        ConfigError: the folder cannot be created or written.
    """
    try:
        settings.layout.logs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"Cannot create the home directory {settings.home} ({exc.strerror}). "
            f"Set {HOME_ENV} or --home to a folder you can write.",
            title="Home directory unusable",
        ) from exc
    return settings.home
