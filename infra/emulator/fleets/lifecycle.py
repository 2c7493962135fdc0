"""The fleet creation workflow and the events each step writes, as the real service names them.

A fleet walks NEW -> DOWNLOADING -> VALIDATING -> BUILDING -> ACTIVATING ->
ACTIVE, one stage per ``fleet_stage_seconds``; each change writes the
FLEET_STATE_* event with the message the service uses ("Fleet <id> changed
state to <STATUS>"). A location added to a live fleet walks NEW ->
ACTIVATING -> ACTIVE with LOCATION_STATE_* events (UNCONFIRMED: the real
service may show more intermediate states for a location).
"""

from __future__ import annotations

from infra.emulator.fleets.model import CREATION_STAGES, FleetStatus

FLEET_STATE_EVENTS: dict[FleetStatus, str] = {
    FleetStatus.DOWNLOADING: "FLEET_STATE_DOWNLOADING",
    FleetStatus.VALIDATING: "FLEET_STATE_VALIDATING",
    FleetStatus.BUILDING: "FLEET_STATE_BUILDING",
    FleetStatus.ACTIVATING: "FLEET_STATE_ACTIVATING",
    FleetStatus.ACTIVE: "FLEET_STATE_ACTIVE",
    FleetStatus.ERROR: "FLEET_STATE_ERROR",
}

LOCATION_STAGES: tuple[FleetStatus, ...] = (FleetStatus.NEW, FleetStatus.ACTIVATING, FleetStatus.ACTIVE)

LOCATION_STATE_EVENTS: dict[FleetStatus, str] = {
    FleetStatus.NEW: "LOCATION_STATE_PENDING",
    FleetStatus.ACTIVATING: "LOCATION_STATE_ACTIVATING",
    FleetStatus.ACTIVE: "LOCATION_STATE_ACTIVE",
    FleetStatus.DELETING: "LOCATION_STATE_DELETING",
    FleetStatus.TERMINATED: "LOCATION_STATE_DELETED",
}


def next_stage(status: FleetStatus, stages: tuple[FleetStatus, ...] = CREATION_STAGES) -> FleetStatus | None:
    """The stage after ``status`` in a workflow, or None when there is none."""
    if status not in stages:
        return None
    index = stages.index(status)
    return stages[index + 1] if index + 1 < len(stages) else None


def created_message(fleet_id: str) -> str:
    return f"Fleet {fleet_id} created with status NEW"


def state_message(fleet_id: str, status: FleetStatus) -> str:
    return f"Fleet {fleet_id} changed state to {status}"


def location_message(fleet_id: str, location: str, status: FleetStatus) -> str:
    return f"Location {location} of fleet {fleet_id} changed state to {status}"
