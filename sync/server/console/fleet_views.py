"""How the fleet, a device and the kill switches read in the console: the
filters and cursors from the query string, the rows, the links between
pages, and what a kill switch will stop."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, get_args
from urllib.parse import quote, urlencode

from sync.server.console.paths import PREFIX
from sync.server.console.review_views import age_text, detail_link
from sync.server.errors import RequestInvalid
from sync.server.fleet_state import Convergence, DeviceState
from sync.server.storage.fleet import KillSwitch, Scope
from sync.server.storage.fleet_listing import DeviceChoice, FleetOrder
from sync.server.storage.fleet_listing import DeviceState as StateName

FLEET_PAGE_SIZE = 50
"""Devices on one page of the fleet."""
HISTORY_PAGE_SIZE = 25
"""Actions, decisions or turns on one page of a device."""
STATES: tuple[str, ...] = get_args(StateName)
"""The states the fleet filters by."""
ORDERS: dict[str, str] = {
    "device": "Device",
    "technician": "Technician",
    "last_seen": "Last sync, latest first",
    "queue": "Queue depth, longest first",
}
"""The fleet's sort orders and how the form names them."""
ACTION_STATUSES = ("held", "quarantined", "applied", "rejected")
"""The statuses a device's actions filter by."""
SCOPES: dict[str, str] = {
    "device": "One device",
    "technician": "Every device of a technician",
    "tool": "One tool, on every device",
    "fleet": "The whole fleet",
}
"""What a kill switch covers, as the form names it."""
TURN_CURSOR_SEPARATOR = "~"
"""Between a turn's time and its trace id in a cursor (times hold none)."""


def _text(query: Mapping[str, str], name: str) -> str:
    return query.get(name, "").strip()[:200]


def _positive(query: Mapping[str, str], name: str, what: str) -> int | None:
    given = _text(query, name)
    if not given:
        return None
    if not given.isdigit() or int(given) < 1:
        raise RequestInvalid(
            f"{what} must be a whole number from 1, not {given!r}. Follow the "
            "page's own links, or remove it from the address."
        )
    return int(given)


@dataclass(frozen=True, slots=True)
class FleetFilter:
    """The fleet's filters, sort and page as typed in the address."""

    state: str = ""
    technician: str = ""
    device: str = ""
    refused: str = ""
    sort: str = "device"
    page: int = 1

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> FleetFilter:
        """The filters in ``query``.

        Raises:
            RequestInvalid: an unknown state or sort, or a page not a number.
        """
        state, sort = _text(query, "state"), _text(query, "sort") or "device"
        if state and state not in STATES:
            raise RequestInvalid(
                f"There is no device state {state!r}; choose one of "
                f"{', '.join(STATES)}, or any."
            )
        if sort not in ORDERS:
            raise RequestInvalid(
                f"The fleet cannot be sorted by {sort!r}; choose one of "
                f"{', '.join(ORDERS)}."
            )
        return cls(
            state=state,
            technician=_text(query, "technician"),
            device=_text(query, "device"),
            refused="1" if _text(query, "refused") else "",
            sort=sort,
            page=_positive(query, "page", "The page") or 1,
        )

    def choice(self) -> DeviceChoice:
        """The service's choice of devices."""
        state = next((s for s in get_args(StateName) if s == self.state), None)
        return DeviceChoice(
            state=state,
            technician_id=self.technician or None,
            text=self.device or None,
            refused=bool(self.refused),
        )

    @property
    def order(self) -> FleetOrder:
        return next(o for o in get_args(FleetOrder) if o == self.sort)

    @property
    def offset(self) -> int:
        return (self.page - 1) * FLEET_PAGE_SIZE

    @property
    def active(self) -> bool:
        return bool(self.state or self.technician or self.device or self.refused)

    def query(self, **changes: Any) -> str:
        """The address's query string, with ``changes`` (only what differs
        from the defaults)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        defaults = {"sort": "device", "page": 1}
        kept = {k: v for k, v in values.items() if v and v != defaults.get(k)}
        return urlencode(kept)


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One device as the fleet's table shows it."""

    device_id: str
    name: str
    technician_id: str
    role: str
    state: str
    stopped_by: str
    last_seen: str
    last_seen_at: str
    policy: str
    kb: str
    release: str
    app: str
    model: str
    queue_depth: int
    actions: str
    refused: tuple[str, ...]

    @property
    def link(self) -> str:
        return device_link(self.device_id)


def device_link(device_id: str) -> str:
    """The URL of a device's page."""
    return f"{PREFIX}/devices/{quote(device_id, safe='')}"


def turn_link(device_id: str, trace_id: str) -> str:
    """The URL of one turn's page."""
    return (
        f"{PREFIX}/turns/{quote(trace_id, safe='')}?{urlencode({'device': device_id})}"
    )


def device_row(
    device: DeviceState, release_names: Mapping[int, str], now: datetime
) -> DeviceRow:
    d = device.record
    return DeviceRow(
        device_id=d.device_id,
        name=d.name,
        technician_id=d.technician_id,
        role=d.role,
        state=device.state,
        stopped_by="; ".join(switch_label(s) for s in device.switches),
        last_seen=_ago(d.last_seen_at, now),
        last_seen_at=_moment(d.last_seen_at),
        policy=f"v{d.policy_version}" if d.policy_version else "none",
        kb=f"v{d.kb_version}" if d.kb_version else "none",
        release=release_label(d.release_id, release_names),
        app=d.client_version or "unknown",
        model=d.model or "unknown",
        queue_depth=d.queue_depth,
        actions=actions_text(device.actions),
        refused=d.refused_updates,
    )


def release_label(release_id: int, names: Mapping[int, str]) -> str:
    if not release_id:
        return "none"
    name = names.get(release_id)
    return f"{release_id} ({name})" if name else str(release_id)


def actions_text(counts: Mapping[str, int]) -> str:
    """``2 quarantined, 5 applied`` (``none`` without any)."""
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def switch_label(switch: KillSwitch) -> str:
    """What a switch covers: ``the whole fleet``, ``technician ann``..."""
    if switch.scope == "fleet":
        return "the whole fleet"
    return f"{switch.scope} {switch.target}"


def convergence_text(convergence: Convergence, now: datetime) -> str:
    """How far the newest release has come, in a sentence."""
    newest = convergence.newest
    if newest is None:
        return "No release has been made yet."
    head = (
        f"Newest release {newest.release_id} ({newest.name}), made "
        f"{age_text(now - newest.created_at)} ago: "
    )
    took = convergence.took
    if took is not None:
        return head + (
            f"all {convergence.active} active devices run it; the last converged "
            f"{age_text(took)} after it was made."
        )
    return (
        head + f"{convergence.running} of {convergence.active} active devices run it."
    )


@dataclass(frozen=True, slots=True)
class DeviceCursors:
    """Where each list of a device's page starts, and its action filter."""

    status: str = ""
    actions_before: int | None = None
    decisions_before: int | None = None
    turns_before: tuple[datetime, str] | None = None
    turns_before_text: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> DeviceCursors:
        """The cursors in ``query``.

        Raises:
            RequestInvalid: an unknown status or a cursor the page never made.
        """
        status = _text(query, "status")
        if status and status not in ACTION_STATUSES:
            raise RequestInvalid(
                f"There is no action status {status!r}; choose one of "
                f"{', '.join(ACTION_STATUSES)}, or any."
            )
        turns_text = query.get("turns_before", "").strip()
        return cls(
            status=status,
            actions_before=_positive(query, "actions_before", "An action cursor"),
            decisions_before=_positive(query, "decisions_before", "A decision cursor"),
            turns_before=_turn_cursor(turns_text) if turns_text else None,
            turns_before_text=turns_text,
        )

    def query(self, **changes: Any) -> str:
        """The address's query string with ``changes`` (``None`` drops one)."""
        values: dict[str, Any] = {
            "status": self.status,
            "actions_before": self.actions_before,
            "decisions_before": self.decisions_before,
            "turns_before": self.turns_before_text,
        } | changes
        return urlencode({k: v for k, v in values.items() if v})


def turn_cursor(saved_at: datetime, trace_id: str) -> str:
    """The cursor of the turns after this one."""
    return f"{saved_at.isoformat()}{TURN_CURSOR_SEPARATOR}{trace_id}"


def _turn_cursor(text: str) -> tuple[datetime, str]:
    moment, _, trace_id = text.partition(TURN_CURSOR_SEPARATOR)
    try:
        saved_at = datetime.fromisoformat(moment)
    except ValueError:
        saved_at = None
    if saved_at is None or saved_at.tzinfo is None or not trace_id:
        raise RequestInvalid(
            "The turns' page address is not one this console made; follow the "
            "page's own 'Older turns' link."
        )
    return saved_at, trace_id


def arguments_json(arguments: Mapping[str, Any]) -> str:
    """A call's arguments as compact JSON text (escaped by the page)."""
    return json.dumps(dict(arguments), sort_keys=True, ensure_ascii=False)


def review_link_of(device_id: str, key: str, status: str) -> str | None:
    """The review page of a quarantined action (others have none)."""
    return detail_link(device_id, key) if status == "quarantined" else None


@dataclass(frozen=True, slots=True)
class SwitchRequest:
    """A kill switch to throw or reset, as a form asked."""

    scope: Scope
    target: str
    enabled: bool
    reason: str

    @property
    def hidden(self) -> dict[str, str]:
        """The fields that carry it to the next step."""
        return {
            "scope": self.scope,
            "target": self.target,
            "change": "throw" if self.enabled else "reset",
            "reason": self.reason,
        }


def switch_request(form_get: Any) -> SwitchRequest:
    """The switch a posted form asks for (``form_get(name)`` reads a field).

    Raises:
        RequestInvalid: no scope, no target where one is needed, or no
            reason to throw one.
    """
    scope = next((s for s in get_args(Scope) if s == form_get("scope")), None)
    change = form_get("change")
    if scope is None or change not in ("throw", "reset"):
        raise RequestInvalid(
            "Choose what the switch covers (a device, a technician, a tool or "
            "the fleet) and whether to throw or reset it."
        )
    target = "" if scope == "fleet" else form_get("target")[:120]
    if scope != "fleet" and not target:
        raise RequestInvalid(
            f"Name the {scope} the switch covers: the field was empty. Go back, "
            "fill it in and send it again."
        )
    reason = form_get("reason")[:500]
    if change == "throw" and not reason:
        raise RequestInvalid(
            "Throwing a kill switch needs a reason: technicians read it on their "
            "devices. Go back, write one and send it again."
        )
    return SwitchRequest(scope, target, change == "throw", reason)


def switch_effect(request: SwitchRequest, reached: int) -> str:
    """What will stop (or start again), and where: the confirmation's words."""
    what = {
        "device": f"Device {request.target}",
        "technician": f"Every device of technician {request.target}",
        "tool": f"The tool {request.target}",
        "fleet": "The whole fleet",
    }[request.scope]
    count = f"{reached} device{'' if reached == 1 else 's'}"
    if reached == 0 and request.scope in ("device", "technician"):
        return (
            f"{what}: no enrolled device (not revoked) matches, so nothing stops "
            "now; check the name. The switch still holds for a device enrolled "
            "later under it."
        )
    if request.scope == "tool":
        if request.enabled:
            return f"{what}: {count} will refuse it at their next sync."
        return f"{what}: {count} may use it again from their next sync."
    if request.enabled:
        return f"{what}: {count} will refuse new actions at their next sync."
    return (
        f"{what}: {count} may act again from their next sync (unless another "
        "switch still stops them)."
    )


def _ago(moment: datetime | None, now: datetime) -> str:
    return "never" if moment is None else f"{age_text(now - moment)} ago"


def _moment(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def moment_text(moment: datetime | None) -> str:
    """A time as the pages show it (``never`` for none)."""
    return "never" if moment is None else moment.isoformat(timespec="seconds")
