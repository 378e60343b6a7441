"""Handing over a revoked device: what it queued reaches the centre once.

A revoked device is refused at its next request, and its queued actions stay
on it. When the depot wants them (the laptop was found, or goes to another
technician), a supervisor issues a *hand-over token* for that device
(``edge-governance device handover DEVICE``): a single-use enrolment token
that enrols only that device id. The device enrols with it as with any
token (``edge-agent enroll``) and keeps its id, because its outbox hashes
the id into every action's link: under another id the centre could not
verify the chain. The device gets a new secret (the old one stays refused),
the revocation is lifted and stays on record with the hand-over (who allowed
it, when, for which technician), and the audit log records each step.

Its queued actions are then pushed as any others: re-validated under the
centre's current policy, idempotent by device and key (an action the centre
already held gets its stored result back, applied once). An action the
device recorded between the revocation and the hand-over is quarantined for
review, with a reason naming the revocation, whatever the policy says: it was
made on a device the depot had stopped trusting. (The device's clock dates
it; an action whose time cannot be read counts as recorded then.)

A plain token never re-enrols a revoked device: that would undo a
supervisor's revocation without a supervisor's decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from policies.bundle import format_time
from sync.enrolment_binding import binding_key, token_id
from sync.protocol import EnrollRequest
from sync.server.errors import Conflict, EnrolmentRefused, RecordNotFound
from sync.server.records import Clock, DeviceRecord, Handover
from sync.server.storage import Storage
from sync.server.storage import devices as device_store
from sync.server.storage import handovers as store
from sync.server.storage.audit import record_event

HANDOVER_COMMAND = "edge-governance device handover {device_id}"
ENROL_COMMAND = "edge-agent enroll --server URL --token TOKEN"


def handover_advice(device_id: str) -> str:
    """What the supervisor and the technician run to hand a revoked device over."""
    return (
        "Its queued actions stay on the device. To hand them over, a supervisor "
        f"runs '{HANDOVER_COMMAND.format(device_id=device_id)}' and the "
        f"technician enrols the device with that token: '{ENROL_COMMAND}'."
    )


def revoked_message(device: DeviceRecord) -> str:
    """Why a revoked device is refused, and what to run."""
    when = format_time(device.revoked_at) if device.revoked_at else "earlier"
    reason = f" ({device.revoked_reason})" if device.revoked_reason else ""
    return (
        f"Device {device.device_id} was revoked at {when}{reason}. "
        + handover_advice(device.device_id)
    )


def issue_handover(
    storage: Storage,
    device_id: str,
    *,
    token: str,
    expires_at: datetime,
    technician_id: str | None,
    actor: str,
    clock: Clock,
) -> str | None:
    """Store ``token`` as the hand-over token of the revoked ``device_id``.

    Returns:
        The technician the token is for (the device's, unless given).

    Raises:
        RecordNotFound: no such device.
        Conflict: the device is not revoked (revoke it first).
    """
    now = clock()
    with storage.write() as connection:
        device = device_store.device(connection, device_id, lock=True)
        if device is None:
            raise RecordNotFound(
                f"No device {device_id} is enrolled.", record_id=device_id
            )
        if device.revoked_at is None:
            raise Conflict(
                f"Device {device_id} is not revoked: its credentials still work. "
                f"Revoke it first ('edge-governance device revoke {device_id}'), "
                "then issue the hand-over token.",
                record_id=device_id,
            )
        technician = technician_id or device.technician_id
        device_store.add_token(
            connection,
            token_hash=token_id(token),
            binding_key=binding_key(token),
            technician_id=technician,
            role=device.role,
            created_at=now,
            expires_at=expires_at,
            created_by=actor,
        )
        store.add_handover(
            connection,
            token_hash=token_id(token),
            device_id=device_id,
            revoked_at=device.revoked_at,
            revoked_reason=device.revoked_reason,
            at=now,
            actor=actor,
        )
        record_event(
            connection,
            at=now,
            actor=actor,
            event="handover_token_issued",
            detail={
                "device_id": device_id,
                "technician_id": technician,
                "revoked_at": device.revoked_at.isoformat(),
                "expires_at": expires_at.isoformat(),
            },
        )
    return technician


def handover_device(handover: Handover, request: EnrollRequest) -> str:
    """The device id a hand-over token enrols, once the request names it.

    Raises:
        EnrolmentRefused: the request is for another device (or none).
    """
    if request.device_id != handover.device_id:
        named = request.device_id or "no device id"
        raise EnrolmentRefused(
            f"This hand-over token is for device {handover.device_id}; this "
            f"device is {named}. It enrols only the device whose outbox holds "
            "that id. The token was not used."
        )
    return handover.device_id


def reinstate(
    connection: Connection,
    handover: Handover,
    request: EnrollRequest,
    *,
    role: str,
    secret: str,
    at: datetime,
) -> None:
    """Give the handed-over device its new secret; audit who allowed it.

    Raises:
        EnrolmentRefused: the device is no longer revoked as it was when the
            token was issued (handed over already, or revoked again since).
    """
    done = store.hand_over(
        connection,
        handover,
        name=request.device_name,
        technician_id=request.technician_id,
        role=role,
        secret=secret,
        at=at,
    )
    if not done:
        raise EnrolmentRefused(
            f"This hand-over token was issued for device {handover.device_id} "
            f"as revoked at {format_time(handover.revoked_at)}; the device is "
            "not in that state any more (handed over already, or revoked "
            "again). Ask the depot for a new hand-over token. The token was "
            "not used."
        )
    record_event(
        connection,
        at=at,
        actor=f"device:{handover.device_id}",
        event="device_handed_over",
        detail={
            "device_id": handover.device_id,
            "technician_id": request.technician_id,
            "allowed_by": handover.allowed_by,
            "allowed_at": handover.allowed_at.isoformat(),
            "revoked_at": handover.revoked_at.isoformat(),
            "revoked_reason": handover.revoked_reason,
        },
    )


def after_revocation(created_at: str, handovers: Sequence[Handover]) -> str | None:
    """Why an action recorded at ``created_at`` is suspect, or ``None``.

    Suspect: recorded between a revocation and the hand-over that lifted it
    (by the device's clock; an unreadable time counts as suspect).
    """
    used = [h for h in handovers if h.enrolled_at is not None]
    if not used:
        return None
    try:
        when: datetime | None = datetime.fromisoformat(created_at)
    except ValueError:
        when = None
    for handover in used:
        assert handover.enrolled_at is not None
        if when is None or handover.revoked_at <= when < handover.enrolled_at:
            return _suspect(created_at, handover)
    return None


def _suspect(created_at: str, handover: Handover) -> str:
    reason = f" ({handover.revoked_reason})" if handover.revoked_reason else ""
    assert handover.enrolled_at is not None
    return (
        f"Recorded at {created_at}, after this device was revoked at "
        f"{format_time(handover.revoked_at)}{reason} and before its hand-over "
        f"(allowed by {handover.allowed_by}, enrolled again at "
        f"{format_time(handover.enrolled_at)}): a supervisor reviews it before "
        "it is applied"
    )
