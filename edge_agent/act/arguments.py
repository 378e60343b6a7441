"""Typed arguments of every tool, as the model or the technician gives them.

These are the boundary with untrusted input (model output, a typed command),
so they are pydantic models that forbid unknown fields. Money never comes from
here: an order's price is looked up in the parts catalogue.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$"


def identifier(default: Any = ...) -> Any:
    """A job, asset or site id: letters, digits and ``_ . - /``."""
    return Field(default, min_length=1, max_length=64, pattern=_ID_PATTERN)


def text(limit: int) -> Any:
    """Free text of at most ``limit`` characters."""
    return Field(min_length=1, max_length=limit)


class ToolArgs(BaseModel):
    """Base of every tool's arguments: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class SearchKbArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=200)


class LookupCodeArgs(ToolArgs):
    code: str = Field(min_length=1, max_length=40)


class ReadJobArgs(ToolArgs):
    job_id: str = identifier()


class ReadAssetArgs(ToolArgs):
    asset_id: str = identifier()


class OcrPhotoArgs(ToolArgs):
    path: str = Field(min_length=1, max_length=1024)


class CreateWorkOrderArgs(ToolArgs):
    asset_id: str = identifier()
    summary: str = text(300)
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    job_id: str | None = identifier(None)


class UpdateWorkOrderArgs(ToolArgs):
    job_id: str = identifier()
    note: str = text(1000)
    status: Literal["in_progress", "waiting_parts", "on_hold"] | None = None


class CloseWorkOrderArgs(ToolArgs):
    job_id: str = identifier()
    resolution: str = text(1000)


class RecordRepairArgs(ToolArgs):
    asset_id: str = identifier()
    work_done: str = text(1000)
    job_id: str | None = identifier(None)
    fault_code: str | None = Field(default=None, max_length=40)
    hours: float | None = Field(default=None, ge=0, le=24)


class OrderPartArgs(ToolArgs):
    part_number: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=100)
    job_id: str | None = identifier(None)


class UpdateAssetArgs(ToolArgs):
    asset_id: str = identifier()
    field: Literal["location", "status", "hours_run", "notes"]
    value: str = text(300)


class ContactCustomerArgs(ToolArgs):
    job_id: str = identifier()
    channel: Literal["phone", "sms", "email"]
    message: str = Field(min_length=1, max_length=500)


class EscalateToSupervisorArgs(ToolArgs):
    summary: str = text(1000)
    job_id: str | None = identifier(None)
    asset_id: str | None = identifier(None)
