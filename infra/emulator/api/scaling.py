"""Scaling policy operations (the autoscaler in ``fleets/autoscaler.py`` does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("PutScalingPolicy")
def put_scaling_policy(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"Name": emu.scaling.put(p).name}


@operation("DescribeScalingPolicies")
def describe_scaling_policies(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    page, token = emu.scaling.describe(
        p["FleetId"], p.get("StatusFilter"), p.get("Location"), p.get("Limit"), p.get("NextToken")
    )
    return {"ScalingPolicies": page, "NextToken": token}


@operation("DeleteScalingPolicy")
def delete_scaling_policy(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    emu.scaling.delete(p["FleetId"], p["Name"])
    return {}
