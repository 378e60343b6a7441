"""``ServerSettings``: the one typed, frozen configuration of a service process.

Precedence, highest first: command-line flags (the CLI passes them as
arguments), ``EDGE_GOVERNANCE_*`` environment variables, defaults. Building it
reads the environment only; nothing touches the disk until the storage opens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sync.protocol import MAX_BATCH_ACTIONS, MAX_BATCH_BYTES, SIGNATURE_WINDOW_SECONDS

APP_NAME = "edge-governance"
DATABASE_FILE = "governance.db"


def default_data_dir() -> Path:
    """The service's data folder when none is configured (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class ServerSettings(BaseSettings):
    """Everything one service process is configured with."""

    model_config = SettingsConfigDict(
        env_prefix="EDGE_GOVERNANCE_", frozen=True, extra="forbid"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    """Folder for the default SQLite database and the service's files."""
    database_url: str | None = None
    """SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``; default: a
    SQLite file in ``data_dir``."""
    host: str = "127.0.0.1"
    """Address to bind; loopback unless told otherwise."""
    port: int = Field(default=8470, ge=0, le=65535)
    """TCP port to listen on (0: any free port)."""
    tls_cert: Path | None = None
    """Serve HTTPS with this certificate (PEM, the leaf first); needs
    ``tls_key``. Unset: plain HTTP, for loopback or a lab."""
    tls_key: Path | None = None
    """The private key of ``tls_cert`` (PEM, without a password)."""
    keys_dir: Path | None = None
    """The centre's signing keys and key sets (default: ``keys`` in
    ``data_dir``). Made on first start; several service processes of one
    centre must share it."""
    journal_retention_days: int = Field(default=365, ge=1)
    """How long devices' turns and decisions are kept (a trace an action at
    the centre names stays with the action)."""
    max_in_flight: int = Field(default=32, ge=1)
    """Signed device requests handled at once; more get 429 with
    ``Retry-After``. A request takes its place once its body is read and its
    signature checked."""
    max_unsigned_in_flight: int = Field(default=4, ge=1)
    """Enrolments and metrics handled at once (apart from the devices' places);
    more get 429 with ``Retry-After``."""
    body_timeout_seconds: float = Field(default=10.0, gt=0)
    """How long a request's body may take to arrive; a slower one gets 408."""
    retry_after_seconds: int = Field(default=2, ge=1)
    """The ``Retry-After`` given with 429."""
    signature_window_seconds: int = Field(default=SIGNATURE_WINDOW_SECONDS, ge=1)
    """How far a signed request's timestamp may be from the service's clock."""
    max_batch_actions: int = Field(default=MAX_BATCH_ACTIONS, ge=1)
    """Most actions in one push; more is refused with 413."""
    max_batch_bytes: int = Field(default=MAX_BATCH_BYTES, ge=1024)
    """Largest push body in bytes; larger is refused with 413."""
    pull_page_size: int = Field(default=1000, ge=1)
    """Most results returned by one pull."""
    connector: Literal["recording", "webhook"] = "recording"
    """Where applied actions go: kept in memory (``recording``) or POSTed."""
    webhook_url: str | None = None
    """The endpoint of the ``webhook`` connector."""
    webhook_secret: SecretStr | None = None
    """If set, each webhook delivery carries an HMAC-SHA256 of its body."""
    delivery_max_attempts: int = Field(default=10, ge=1)
    """Delivery attempts before an action is parked as failed (kept, retryable)."""
    delivery_backoff_seconds: float = Field(default=2.0, gt=0)
    """First retry delay of a failed delivery; doubles up to ``max``."""
    delivery_backoff_max_seconds: float = Field(default=600.0, gt=0)
    """Longest delay between two delivery attempts."""
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    """How often the delivery worker looks for due deliveries when idle."""
    start_delivery_worker: bool = True
    """Run the background delivery worker in the serving process."""
    console_idle_minutes: int = Field(default=30, ge=1)
    """A console session unused this long ends (the person signs in again)."""
    console_absolute_hours: int = Field(default=12, ge=1)
    """A console session ends this long after sign-in, however busy."""
    console_sign_in_failures: int = Field(default=5, ge=1)
    """Failed console sign-ins, per name and per client address, before more
    are refused for a while."""
    console_sign_in_window_minutes: int = Field(default=5, ge=1)
    """The window the failed sign-ins are counted over."""

    def resolved_database_url(self) -> str:
        """The database URL, with the default SQLite file spelled out."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / DATABASE_FILE}"

    def resolved_keys_dir(self) -> Path:
        """The keys folder, with the default spelled out."""
        return self.keys_dir or self.data_dir / "keys"

    def with_overrides(self, **values: object) -> ServerSettings:
        """A validated copy with the given fields replaced (``None`` is ignored)."""
        given = {name: value for name, value in values.items() if value is not None}
        return type(self).model_validate({**self.model_dump(), **given})
