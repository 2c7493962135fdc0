"""Fleet operations: creation, attributes, capacity, utilization, events, ports, runtime, locations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation
from infra.emulator.errors import InvalidRequestException
from infra.emulator.fleets.model import Fleet
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


def _requested(emu: Emulator, ids: list[str] | None) -> list[Fleet]:
    """The fleets a Describe* call names (unknown ids are skipped, as the service does), or all fleets."""
    if not ids:
        return emu.fleets.list()
    found = (emu.fleets.find(i) for i in ids)
    return [f for f in found if f is not None]


def _location_states(fleet: Fleet, states: list[Any]) -> dict[str, Any]:
    return {"FleetId": fleet.fleet_id, "FleetArn": fleet.fleet_arn, "LocationStates": [s.state_api() for s in states]}


@operation("CreateFleet")
def create_fleet(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.create(p)
    return {
        "FleetAttributes": fleet.to_api(),
        "LocationStates": [s.state_api() for s in fleet.location_states.values()],
    }


@operation("DescribeFleetAttributes")
def describe_fleet_attributes(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleets = _requested(emu, p.get("FleetIds"))
    page, token = paginate(fleets, p.get("Limit"), p.get("NextToken"), listing="fleet-attributes")
    return {"FleetAttributes": [f.to_api() for f in page], "NextToken": token}


@operation("ListFleets")
def list_fleets(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleets = emu.fleets.list(build_id=p.get("BuildId"), script_id=p.get("ScriptId"))
    page, token = paginate(fleets, p.get("Limit"), p.get("NextToken"), listing="fleets")
    return {"FleetIds": [f.fleet_id for f in page], "NextToken": token}


@operation("DeleteFleet")
def delete_fleet(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.fleets.delete(p["FleetId"])
    return {}


@operation("DescribeFleetEvents")
def describe_fleet_events(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    events = emu.events.query(fleet.fleet_id, p.get("StartTime"), p.get("EndTime"))
    page, token = paginate(events, p.get("Limit"), p.get("NextToken"), listing=f"events:{fleet.fleet_id}")
    return {"Events": [e.to_api() for e in page], "NextToken": token}


@operation("DescribeFleetCapacity")
def describe_fleet_capacity(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    # Capacity is counted in instances: Anywhere fleets have none (UNCONFIRMED: the service lists EC2 fleets only).
    fleets = [f for f in _requested(emu, p.get("FleetIds")) if not f.is_anywhere]
    page, token = paginate(fleets, p.get("Limit"), p.get("NextToken"), listing="fleet-capacity")
    return {"FleetCapacity": [emu.fleets.capacity_of(f, f.home_location) for f in page], "NextToken": token}


@operation("DescribeFleetLocationCapacity")
def describe_fleet_location_capacity(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    if fleet.is_anywhere:
        raise InvalidRequestException("Fleet capacity is counted in EC2 instances; Anywhere fleets have none")
    state = emu.fleets.location_of(fleet, p["Location"])
    return {"FleetCapacity": emu.fleets.capacity_of(fleet, state.location)}


@operation("DescribeFleetUtilization")
def describe_fleet_utilization(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleets = _requested(emu, p.get("FleetIds"))
    page, token = paginate(fleets, p.get("Limit"), p.get("NextToken"), listing="fleet-utilization")
    return {"FleetUtilization": [emu.fleets.utilization_of(f, f.home_location) for f in page], "NextToken": token}


@operation("DescribeFleetLocationUtilization")
def describe_fleet_location_utilization(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    state = emu.fleets.location_of(fleet, p["Location"])
    return {"FleetUtilization": emu.fleets.utilization_of(fleet, state.location)}


@operation("DescribeFleetLocationAttributes")
def describe_fleet_location_attributes(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    names = p.get("Locations")
    if names:
        states = [fleet.location_states[n] for n in dict.fromkeys(names) if n in fleet.location_states]
    else:
        states = list(fleet.location_states.values())
    page, token = paginate(states, p.get("Limit"), p.get("NextToken"), listing=f"locations:{fleet.fleet_id}")
    return {
        "FleetId": fleet.fleet_id,
        "FleetArn": fleet.fleet_arn,
        "LocationAttributes": [
            {"LocationState": s.state_api(), "StoppedActions": list(s.stopped_actions) or None} for s in page
        ],
        "NextToken": token,
    }


@operation("CreateFleetLocations")
def create_fleet_locations(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet, added = emu.fleets.create_locations(p["FleetId"], [loc["Location"] for loc in p["Locations"]])
    return _location_states(fleet, added)


@operation("DeleteFleetLocations")
def delete_fleet_locations(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet, states = emu.fleets.delete_locations(p["FleetId"], p["Locations"])
    return _location_states(fleet, states)


@operation("UpdateFleetAttributes")
def update_fleet_attributes(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.update_attributes(p)
    return {"FleetId": fleet.fleet_id, "FleetArn": fleet.fleet_arn}


@operation("UpdateFleetCapacity")
def update_fleet_capacity(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet, state = emu.fleets.update_capacity(p)
    return {
        "FleetId": fleet.fleet_id,
        "FleetArn": fleet.fleet_arn,
        "Location": state.location,
        "ManagedCapacityConfiguration": state.managed_capacity,
    }


@operation("DescribeFleetPortSettings")
def describe_fleet_port_settings(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    location = None
    if p.get("Location"):
        location = emu.fleets.location_of(fleet, p["Location"]).location
    return {
        "FleetId": fleet.fleet_id,
        "FleetArn": fleet.fleet_arn,
        "InboundPermissions": [dict(perm) for perm in fleet.inbound_permissions],
        "Location": location,
    }


@operation("UpdateFleetPortSettings")
def update_fleet_port_settings(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.update_port_settings(
        p["FleetId"], p.get("InboundPermissionAuthorizations"), p.get("InboundPermissionRevocations")
    )
    return {"FleetId": fleet.fleet_id, "FleetArn": fleet.fleet_arn}


@operation("DescribeRuntimeConfiguration")
def describe_runtime_configuration(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    return {"RuntimeConfiguration": fleet.runtime_configuration or {}}


@operation("UpdateRuntimeConfiguration")
def update_runtime_configuration(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.update_runtime_configuration(p["FleetId"], p["RuntimeConfiguration"])
    return {"RuntimeConfiguration": fleet.runtime_configuration}


@operation("StartFleetActions")
def start_fleet_actions(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.set_actions(p["FleetId"], p["Actions"], p.get("Location"), stopped=False)
    return {"FleetId": fleet.fleet_id, "FleetArn": fleet.fleet_arn}


@operation("StopFleetActions")
def stop_fleet_actions(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.set_actions(p["FleetId"], p["Actions"], p.get("Location"), stopped=True)
    return {"FleetId": fleet.fleet_id, "FleetArn": fleet.fleet_arn}


@operation("DescribeEC2InstanceLimits")
def describe_ec2_instance_limits(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"EC2InstanceLimits": emu.fleets.instance_limits(p.get("EC2InstanceType"), p.get("Location"))}


@operation("DescribeInstances")
def describe_instances(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    fleet = emu.fleets.get(p["FleetId"])
    if fleet.is_anywhere:
        raise InvalidRequestException("DescribeInstances is not supported for Anywhere fleets; use ListCompute")
    location = emu.fleets.location_of(fleet, p.get("Location")).location
    instances = emu.fleets.instances(fleet.fleet_id, location)
    if p.get("InstanceId"):
        instances = [i for i in instances if i.instance_id == p["InstanceId"]]
    page, token = paginate(instances, p.get("Limit"), p.get("NextToken"), listing=f"instances:{fleet.fleet_id}")
    return {"Instances": [i.to_api(fleet.fleet_arn) for i in page], "NextToken": token}
