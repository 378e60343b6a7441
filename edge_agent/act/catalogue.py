"""The tools the assistant has: name, what it does, its arguments, and whether
it only reads (runs on the device) or changes the world (becomes a queued
action, never run on the device)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from edge_agent.act import arguments as a


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool the model may call or the technician may use by hand."""

    name: str
    description: str
    args: type[a.ToolArgs]
    reads_only: bool

    def json_schema(self) -> dict[str, Any]:
        """The arguments' JSON schema (for the model's grammar and the docs)."""
        return self.args.model_json_schema()


TOOLS: Mapping[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "search_kb", "Search the manuals and code tables.", a.SearchKbArgs, True
        ),
        ToolSpec(
            "lookup_code",
            "Look up a fault code or part number.",
            a.LookupCodeArgs,
            True,
        ),
        ToolSpec("read_job", "Read an assigned job.", a.ReadJobArgs, True),
        ToolSpec("read_asset", "Read an asset record.", a.ReadAssetArgs, True),
        ToolSpec("ocr_photo", "Read the codes on a photo.", a.OcrPhotoArgs, True),
        ToolSpec(
            "create_work_order",
            "Open a work order for an asset.",
            a.CreateWorkOrderArgs,
            False,
        ),
        ToolSpec(
            "update_work_order",
            "Add a note or change the status of a job's work order.",
            a.UpdateWorkOrderArgs,
            False,
        ),
        ToolSpec(
            "close_work_order",
            "Close a job's work order with the resolution.",
            a.CloseWorkOrderArgs,
            False,
        ),
        ToolSpec(
            "record_repair", "Record a repair on an asset.", a.RecordRepairArgs, False
        ),
        ToolSpec(
            "order_part",
            "Order a part from the catalogue (the price comes from the catalogue).",
            a.OrderPartArgs,
            False,
        ),
        ToolSpec(
            "update_asset",
            "Change a field of an asset record.",
            a.UpdateAssetArgs,
            False,
        ),
        ToolSpec(
            "contact_customer",
            "Send a message to the customer of a job.",
            a.ContactCustomerArgs,
            False,
        ),
        ToolSpec(
            "escalate_to_supervisor",
            "Ask a supervisor for help.",
            a.EscalateToSupervisorArgs,
            False,
        ),
    )
}


def action_tools(names: Iterable[str]) -> list[ToolSpec]:
    """The specs of the named tools that change the world, in catalogue order."""
    wanted = set(names)
    return [
        spec for spec in TOOLS.values() if spec.name in wanted and not spec.reads_only
    ]
