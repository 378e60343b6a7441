"""What the service's tables are built from: the one :data:`metadata` they all
belong to, and the column type that keeps every time timezone-aware in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC time on every backend (naive times are refused)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("times stored by the service must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()


def time_column(name: str, nullable: bool = False) -> sa.Column[Any]:
    """A column ``name`` of :class:`UtcDateTime`, ``NOT NULL`` unless ``nullable``."""
    return sa.Column(name, UtcDateTime(), nullable=nullable)
