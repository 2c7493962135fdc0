"""Compute operations: Anywhere registration, compute listings, auth tokens and remote access."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation
from infra.emulator.pagination import paginate

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("RegisterCompute")
def register_compute(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Compute": emu.computes.register(p)}


@operation("DeregisterCompute")
def deregister_compute(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.computes.deregister(p["FleetId"], p["ComputeName"])
    return {}


@operation("DescribeCompute")
def describe_compute(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Compute": emu.computes.describe(p["FleetId"], p["ComputeName"])}


@operation("ListCompute")
def list_compute(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    computes = emu.computes.list(p["FleetId"], p.get("Location"), p.get("ComputeStatus"))
    fleet_id = emu.fleets.get(p["FleetId"]).fleet_id
    page, token = paginate(computes, p.get("Limit"), p.get("NextToken"), listing=f"computes:{fleet_id}")
    return {"ComputeList": page, "NextToken": token}


@operation("GetComputeAuthToken")
def get_compute_auth_token(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return emu.computes.auth_token(p["FleetId"], p["ComputeName"])


@operation("GetComputeAccess")
def get_compute_access(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return emu.computes.access(p["FleetId"], p["ComputeName"])
